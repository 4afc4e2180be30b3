# ReadmeSnippets: compiles the README's C++ code blocks, so that the README cannot drift from
# the API (tests/CMakeLists.txt calls it at configure time).
#
# Every ```cpp block in the README must follow a marker comment that says how to compile it:
#   <!-- compile: program -->            a whole program: built, run by ctest, exit code 0
#   <!-- compile: declarations -->       namespace-scope code (classes, functions)
#   <!-- compile: statements CONTEXT --> code for a function body; the names it uses but does
#                                        not declare come from struct readme::CONTEXT
#                                        (tests/readme/context.hpp), whose members the body sees
# A program block may be followed (prose between allowed) by `<!-- compile: output -->` and a
# ```text block: ctest
# then compares the program's standard output with it, byte for byte. A ```cpp block with no
# marker stops the configure. The generated files carry #line directives, so a compile error
# names the README's own line.
#
# hio_readme_snippets(README OUT_DIR [PREFIX]) sets, in the caller's scope (PREFIX names the
# programs, `readme` by default: one per Markdown file, so that programs of several files do
# not clash):
#   HIO_README_UNIT      one .cpp with every declarations and statements block
#   HIO_README_PROGRAMS  the .cpp of each program block
# and for each program P: HIO_README_OUTPUT_<name of P> = its expected-output file, or empty.

# Writes `content` to `path` only when it differs, so that an unchanged snippet is not rebuilt.
function(hio_write_if_changed path content)
    file(WRITE "${path}.new" "${content}")
    file(COPY_FILE "${path}.new" "${path}" ONLY_IF_DIFFERENT)
    file(REMOVE "${path}.new")
endfunction()

function(hio_readme_snippets readme out_dir)
    set(prefix readme)
    if(ARGC GREATER 2)
        set(prefix ${ARGV2})
    endif()
    file(READ "${readme}" text)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${readme}")
    file(MAKE_DIRECTORY "${out_dir}")

    string(REGEX MATCHALL "```cpp\n" fences "${text}")
    list(LENGTH fences fence_count)

    set(unit "// Generated from ${readme} at configure time: do not edit.\n")
    string(APPEND unit "#include \"readme/context.hpp\"\n")
    set(programs "")
    set(marker "<!-- compile: ")
    set(at 0)
    set(count 0)
    string(LENGTH "${text}" size)
    while(TRUE)
        string(SUBSTRING "${text}" ${at} -1 rest)
        string(FIND "${rest}" "${marker}" found)
        if(found EQUAL -1)
            break()
        endif()
        math(EXPR start "${at} + ${found}")
        string(SUBSTRING "${text}" ${start} -1 rest)
        string(FIND "${rest}" " -->" close)
        string(LENGTH "${marker}" marker_length)
        math(EXPR spec_length "${close} - ${marker_length}")
        string(SUBSTRING "${rest}" ${marker_length} ${spec_length} spec)
        string(STRIP "${spec}" spec)
        math(EXPR after "${start} + ${close} + 4")
        if(spec STREQUAL "output")
            set(at ${after})
            continue()  # read with its program below
        endif()
        # The fence must follow the marker (blank lines allowed).
        string(SUBSTRING "${text}" ${after} -1 rest)
        string(REGEX MATCH "^[ \t\n]*```cpp\n" fence "${rest}")
        if(NOT fence)
            message(FATAL_ERROR "${readme}: '<!-- compile: ${spec} -->' is not followed by a ```cpp block")
        endif()
        string(LENGTH "${fence}" fence_length)
        math(EXPR code_start "${after} + ${fence_length}")
        string(SUBSTRING "${text}" ${code_start} -1 rest)
        string(FIND "${rest}" "\n```" code_length)
        math(EXPR code_length "${code_length} + 1")
        string(SUBSTRING "${rest}" 0 ${code_length} code)
        math(EXPR at "${code_start} + ${code_length} + 3")
        # The README line the code starts on, for #line.
        string(SUBSTRING "${text}" 0 ${code_start} before)
        string(REGEX MATCHALL "\n" newlines "${before}")
        list(LENGTH newlines line)
        math(EXPR line "${line} + 1")
        math(EXPR count "${count} + 1")
        set(origin "#line ${line} \"${readme}\"\n")

        separate_arguments(words UNIX_COMMAND "${spec}")
        list(GET words 0 kind)
        if(kind STREQUAL "program")
            set(file "${out_dir}/${prefix}_program_${count}.cpp")
            hio_write_if_changed("${file}" "${origin}${code}")
            list(APPEND programs "${file}")
            # Its expected output, when the next marker is `output` (prose may come between).
            string(SUBSTRING "${text}" ${at} -1 rest)
            string(FIND "${rest}" "${marker}" next_marker)
            string(FIND "${rest}" "${marker}output -->" output_marker)
            set(expected "")
            if(NOT output_marker EQUAL -1 AND output_marker EQUAL next_marker)
                string(SUBSTRING "${rest}" ${output_marker} -1 rest)
                string(REGEX MATCH "^<!-- compile: output -->[ \t\n]*```text\n" output_fence "${rest}")
                if(NOT output_fence)
                    message(FATAL_ERROR "${readme}: '<!-- compile: output -->' is not followed by a ```text block")
                endif()
                string(LENGTH "${output_fence}" output_fence_length)
                string(SUBSTRING "${rest}" ${output_fence_length} -1 rest)
                string(FIND "${rest}" "\n```" output_length)
                math(EXPR output_length "${output_length} + 1")
                string(SUBSTRING "${rest}" 0 ${output_length} output)
                set(expected "${out_dir}/${prefix}_program_${count}.expected")
                hio_write_if_changed("${expected}" "${output}")
            endif()
            set(HIO_README_OUTPUT_${prefix}_program_${count} "${expected}" PARENT_SCOPE)
        elseif(kind STREQUAL "declarations")
            string(APPEND unit "namespace ${prefix}_snippet_${count} {\n${origin}${code}}  // namespace ${prefix}_snippet_${count}\n")
        elseif(kind STREQUAL "statements")
            list(LENGTH words word_count)
            if(word_count LESS 2)
                message(FATAL_ERROR "${readme}:${line}: 'statements' needs a context (readme::none for none)")
            endif()
            list(GET words 1 context)
            string(APPEND unit "namespace ${prefix}_snippet_${count} {\n"
                "struct Snippet : readme::${context} {\n"
                "    [[maybe_unused]] void run() {\n${origin}${code}    }\n};\n"
                "}  // namespace ${prefix}_snippet_${count}\n")
        else()
            message(FATAL_ERROR "${readme}:${line}: unknown snippet kind '${kind}' "
                "(program, declarations or statements CONTEXT)")
        endif()
    endwhile()
    if(NOT count EQUAL fence_count)
        message(FATAL_ERROR "${readme}: ${fence_count} ```cpp blocks but ${count} '<!-- compile: ... -->' "
            "markers: every C++ block says how it is compiled")
    endif()
    set(unit_file "${out_dir}/${prefix}_snippets.cpp")
    hio_write_if_changed("${unit_file}" "${unit}")
    set(HIO_README_UNIT "${unit_file}" PARENT_SCOPE)
    set(HIO_README_PROGRAMS "${programs}" PARENT_SCOPE)
endfunction()
