#!/usr/bin/env python3
"""Writes docs/options.md: every option struct of hio-cpp's public headers, its fields in
declaration order (the order designated initializers need), their types, defaults and the first
sentence of their documentation, read from the headers themselves.

    scripts/options_reference.py                 # prints the reference
    scripts/options_reference.py --write FILE    # writes it
    scripts/options_reference.py --check FILE    # exit 1, with a diff, when FILE is stale

The test suite runs --check on docs/options.md, so the reference cannot drift from the code.
"""
import difflib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = ROOT / "include"

# The structs documented: settings passed to a constructor (by designated initializers).
STRUCT = re.compile(r"^struct (\w*(?:Options|Config|Policy))\s*\{\s*$")
NAMESPACE = re.compile(r"^namespace ([\w:]+) \{")
# A data member: `type name = value;`, `type name{value};` or `type name;`.
# Parentheses may appear in the type only inside a template argument (std::function<R(A)>).
FIELD = re.compile(r"^    (?P<type>[^=;{}]*?[\w>*&])\s+(?P<name>\w+)\s*(?:=\s*(?P<init>.+?)|\{(?P<brace>.*)\})?;\s*(?://.*)?$")


def is_field(match):
    type_ = match.group("type")
    paren = type_.find("(")
    return match.group("name") not in ("const", "noexcept", "override") and (paren == -1 or -1 < type_.find("<") < paren)


def first_sentence(lines):
    """The text up to the first full stop outside parentheses (not one of e.g., i.e., ...)."""
    text = " ".join(line.strip() for line in lines).strip()
    depth = 0
    for at, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == "." and depth == 0 and (at + 1 == len(text) or text[at + 1] == " "):
            head = text[: at + 1]
            if re.search(r"[A-Za-z0-9]", head) and not re.search(r"(e\.g|i\.e|etc|vs|\.\.)\.$", head):
                return head.replace("|", "\\|")
    return text.replace("|", "\\|")


def default_of(field):
    init = field.group("init")
    brace = field.group("brace")
    if init is not None:
        value = init.strip()
    elif brace is not None:
        value = brace.strip() or "{}"
    else:
        value = "(none)"
    return value.replace("|", "\\|")


def structs_of(path):
    lines = path.read_text().splitlines()
    namespace = ""
    found = []
    i = 0
    while i < len(lines):
        line = lines[i]
        ns = NAMESPACE.match(line)
        if ns:
            namespace = ns.group(1)
        st = STRUCT.match(line)
        if not st:
            i += 1
            continue
        # The struct's own documentation: the /// lines just above it.
        doc = []
        j = i - 1
        while j >= 0 and lines[j].lstrip().startswith("///"):
            doc.insert(0, lines[j].strip()[3:])
            j -= 1
        fields = []
        comment = []
        depth = 0
        i += 1
        while i < len(lines) and not (depth == 0 and lines[i].startswith("};")):
            body = lines[i]
            opened = body.count("{") - body.count("}")
            stripped = body.strip()
            if depth == 0 and stripped.startswith("///"):
                comment.append(stripped[3:].lstrip("<").strip())
            elif depth == 0:
                field = FIELD.match(body)
                if field and is_field(field) and not stripped.startswith(("static", "using", "friend", "[[", "return")):
                    trailing = re.search(r"///<\s*(.*)$", body)
                    described = comment or ([trailing.group(1)] if trailing else [])
                    fields.append((field.group("name"), field.group("type").strip(), default_of(field),
                                   first_sentence(described)))
                comment = []
            depth += opened if not (depth == 0 and stripped.startswith("///")) else 0
            i += 1
        found.append((namespace, st.group(1), first_sentence(doc), fields))
        i += 1
    return found


def reference():
    out = [
        "# Options: every settings struct, its fields in order, their defaults",
        "",
        "Generated from the headers by `scripts/options_reference.py` (the test suite checks that it",
        "is current: edit the headers, then run `scripts/options_reference.py --write docs/options.md`).",
        "",
        "Settings are plain structs filled with C++20 designated initializers, which must name the",
        "fields **in declaration order**: the order of the rows below. Fields left out keep their",
        "defaults. For example `hio::StreamClientOptions{.host = \"db\", .port = 5432, .reconnect = true,",
        ".attempt_timeout = 1.0, .backoff = 2.0}` follows the table's order; swapping `.reconnect` and",
        "`.attempt_timeout` does not compile. Every struct is checked where it is used: a bad value",
        "throws `hio::ValidationError` naming the struct and the field.",
        "",
    ]
    headers = sorted(INCLUDE.rglob("*.hpp"))
    index = []
    sections = []
    for header in headers:
        relative = header.relative_to(INCLUDE).as_posix()
        for namespace, name, doc, fields in structs_of(header):
            if not fields:
                continue
            qualified = f"{namespace}::{name}" if namespace else name
            anchor = re.sub(r"[^a-z0-9]+", "", qualified.lower())
            index.append(f"[`{qualified}`](#{anchor})")
            sections.append(f"## {qualified}")
            sections.append("")
            sections.append(f"`#include <{relative}>`" + (f": {doc}" if doc else ""))
            sections.append("")
            sections.append("| field | type | default | meaning |")
            sections.append("|---|---|---|---|")
            for field, type_, default, meaning in fields:
                sections.append(f"| `.{field}` | `{type_}` | `{default}` | {meaning} |")
            sections.append("")
    out.append("Structs: " + ", ".join(index) + ".")
    out.append("")
    out.extend(sections)
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv):
    text = reference()
    if len(argv) == 1:
        sys.stdout.write(text)
        return 0
    if len(argv) == 3 and argv[1] == "--write":
        pathlib.Path(argv[2]).write_text(text)
        return 0
    if len(argv) == 3 and argv[1] == "--check":
        path = pathlib.Path(argv[2])
        current = path.read_text() if path.exists() else ""
        if current == text:
            print(f"{path}: current")
            return 0
        sys.stdout.writelines(difflib.unified_diff(current.splitlines(True), text.splitlines(True),
                                                   str(path), "generated from the headers"))
        print(f"\n{path} is stale: run scripts/options_reference.py --write {path}")
        return 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
