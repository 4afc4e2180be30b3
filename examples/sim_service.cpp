// sim_service: a service of your own over the simulated network: a front server answers each
// client's request only after a round trip to a store, over one long-lived link that
// reconnects, while the store crashes and restarts with what it had synced to its disk.
//
// Run:   build/examples/sim_service --seed 7
//        build/examples/sim_service --seed 7 --clients 50 --requests 20
// Prints a line per fault, one per host's figures, and last `trace <16 hex digits>`. Exits 0
// when every request got the right answer exactly once, 1 otherwise. The same seed prints the
// same lines every time.
//
// The protocol is lines: a client sends `GET key`; the front passes `GET id key` to the store
// over its link; the store answers `VAL id key value` (or `NONE id key`); the front answers the
// client `key=value`. What the example shows:
// - answering later: the front keeps each request's ConnectionHandle and answers from another
//   place in its code, when the store's answer comes (a connection that closed meanwhile finds
//   no answer, and never another client's);
// - line framing: receive_line() takes whole lines and reports one too long;
// - a link that stays up: no overall timeout, a second per attempt, back-off with jitter; a new
//   generation() of the link means the requests in flight on the old one are sent again;
// - a crash with state: the store's table is lost with the crash (on_crash) and read back from
//   its disk on restart (on_restart); a value it was asked for while down is asked again.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <hio/sim.hpp>

#include "arguments.hpp"

namespace {

// --- The store: a key-value table kept on the host's disk ------------------------------------

class StoreDoer : public hio::StreamServerDoer {
public:
    StoreDoer(hio::StreamServer& server, std::map<std::string, std::string>& table)
        : StreamServerDoer{server}, table_{table} {}

protected:
    void serve(hio::Connection& connection, double) override {
        while (hio::Frame line = connection.receive_line(256)) {
            // "GET id key"
            const std::string& text = line.data;
            const std::size_t space = text.find(' ', 4);
            const std::string id = text.substr(4, space - 4);
            const std::string key = text.substr(space + 1);
            const auto found = table_.find(key);
            connection.send(found == table_.end() ? "NONE " + id + " " + key + "\n"
                                                  : "VAL " + id + " " + key + " " + found->second + "\n");
        }
    }

private:
    std::map<std::string, std::string>& table_;
};

// --- The front: answers clients after the store answered it ---------------------------------

// What the front waits for: the client to answer (its connection's handle) and what it asked.
struct Waiting {
    hio::ConnectionHandle client;
    std::string key;
};

class FrontDoer : public hio::StreamServerDoer {
public:
    FrontDoer(hio::StreamServer& server, std::map<std::uint64_t, Waiting>& waiting, std::vector<std::uint64_t>& outbox)
        : StreamServerDoer{server}, waiting_{waiting}, outbox_{outbox} {}

protected:
    void serve(hio::Connection& connection, double) override {
        hio::Frame line;
        while ((line = connection.receive_line(64))) {
            if (!line.data.starts_with("GET ")) {
                connection.send("ERR not a GET\n");
                continue;
            }
            const std::uint64_t id = ++next_id_;
            waiting_[id] = {server().handle(connection), line.data.substr(4)};
            outbox_.push_back(id);  // the link passes it on
        }
        if (line.status == hio::Frame::Status::too_long) {
            connection.send("ERR line too long\n");
            connection.shutdown_send();
        }
    }

private:
    std::map<std::uint64_t, Waiting>& waiting_;
    std::vector<std::uint64_t>& outbox_;
    std::uint64_t next_id_ = 0;
};

// The front's link to the store: sends what the front queued, answers the clients when the
// store's answers come, and sends again what was in flight when the link had to reconnect.
class StoreLink : public hio::StreamClientDoer {
public:
    StoreLink(hio::StreamClient& link, hio::StreamServer& front, std::map<std::uint64_t, Waiting>& waiting,
              std::vector<std::uint64_t>& outbox)
        : StreamClientDoer{link}, front_{front}, waiting_{waiting}, outbox_{outbox} {}

    long answered = 0;
    long resent = 0;
    long dropped = 0;  // answers for clients that had gone

protected:
    bool talk(double) override {
        hio::StreamClient& link = client();
        pending_.insert(pending_.end(), outbox_.begin(), outbox_.end());
        outbox_.clear();
        if (!link.connected())
            return false;  // never gives up: the policy retries forever
        if (link.generation() != generation_) {  // a new connection: what was sent on the old one is lost
            generation_ = link.generation();
            for (const std::uint64_t id : sent_)
                if (waiting_.count(id) != 0) {
                    pending_.push_back(id);
                    ++resent;
                }
            sent_.clear();
        }
        hio::Connection& connection = *link.connection();
        while (!pending_.empty()) {
            const std::uint64_t id = pending_.front();
            const auto found = waiting_.find(id);
            const std::string request =
                found == waiting_.end() ? std::string{} : "GET " + std::to_string(id) + " " + found->second.key + "\n";
            if (request.size() > connection.tx_buffer().free_space())
                break;  // tx is full: the rest waits (whole lines only)
            connection.send(request);
            if (!request.empty())
                sent_.push_back(id);
            pending_.erase(pending_.begin());
        }
        while (hio::Frame line = connection.receive_line(256))
            answer(line.data);
        return false;
    }

private:
    // "VAL id key value" or "NONE id key": answer the client that asked, if it is still there.
    void answer(const std::string& text) {
        const bool found = text.starts_with("VAL ");
        const std::size_t id_at = found ? 4 : 5;
        const std::size_t space = text.find(' ', id_at);
        const std::uint64_t id = std::stoull(text.substr(id_at, space - id_at));
        const auto waiting = waiting_.find(id);
        if (waiting == waiting_.end())
            return;  // answered already (a request sent twice across a reconnect)
        hio::Connection* client = front_.connection(waiting->second.client);
        if (client == nullptr) {
            ++dropped;  // the client left: its handle finds nothing, never another connection
        } else {
            const std::string rest = text.substr(space + 1);  // "key value" or "key"
            const std::size_t value_at = rest.find(' ');
            client->send(found ? rest.substr(0, value_at) + "=" + rest.substr(value_at + 1) + "\n" : rest + "=?\n");
            ++answered;
        }
        waiting_.erase(waiting);
    }

    hio::StreamServer& front_;
    std::map<std::uint64_t, Waiting>& waiting_;
    std::vector<std::uint64_t>& outbox_;
    std::vector<std::uint64_t> pending_;  // to send on the link, in order
    std::vector<std::uint64_t> sent_;     // sent on the current connection
    std::uint64_t generation_ = 0;
};

// --- The clients -----------------------------------------------------------------------------

// Asks for `requests` random keys, one at a time, a twentieth of a second apart, and checks
// each answer.
class Asker : public hio::StreamClientDoer {
public:
    Asker(hio::StreamClient& client, int requests) : StreamClientDoer{client}, requests_{requests} {}

    int right = 0;
    int wrong = 0;

protected:
    bool talk(double tyme) override {
        hio::StreamClient& c = client();
        if (!c.active())
            return true;
        if (!c.connected())
            return false;
        while (hio::Frame line = c.connection()->receive_line(64)) {
            (line.data == key_ + "=value-of-" + key_ ? right : wrong) += 1;
            key_.clear();
            next_at_ = tyme + 0.05;
        }
        if (key_.empty() && right + wrong < requests_ && tyme >= next_at_) {
            key_ = "k" + std::to_string(random().below(10));  // drawn from the seed: replays
            c.send("GET " + key_ + "\n");
        }
        return right + wrong == requests_;
    }

    bool recur(double tyme) override {
        const bool over = StreamClientDoer::recur(tyme);
        if (!over)
            idle_until(key_.empty() ? next_at_ : client().next_deadline());  // the next request, or an answer
        return over;
    }

private:
    int requests_;
    std::string key_;  // the key asked for and not yet answered
    double next_at_ = 0.0;
};

// Asks once while the store is down (from 0.75 s: the crash starts by 0.7 s and lasts at least
// a second) and leaves before the answer can come: the front finds no connection to answer.
class Impatient : public hio::StreamClientDoer {
public:
    using StreamClientDoer::StreamClientDoer;

protected:
    bool talk(double tyme) override {
        if (tyme >= 0.85)
            return true;  // gone: exit() closes the connection
        if (tyme >= 0.75 && !asked_ && client().connected())
            asked_ = client().send("GET k1\n") != 0;
        return false;
    }

private:
    bool asked_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    const example::Arguments args{argc, argv, "sim_service [--seed S] [--clients N] [--requests M]",
                                  {"--seed", "--clients", "--requests"}, {}};
    const auto seed = static_cast<std::uint64_t>(args.integer("--seed", 1, 0, 1LL << 52));
    const auto clients = static_cast<int>(args.integer("--clients", 10, 1, 10000));
    const auto requests = static_cast<int>(args.integer("--requests", 20, 1, 100000));

    // Three hosts; 2 ms links with jitter; the store crashes once, for a second or two.
    hio::sim::World world{{.seed = seed,
                           .link = {.latency = 0.002, .jitter = 0.001},
                           .faults = {.crashes = 1, .start = 0.2, .horizon = 0.5, .hosts = {"store"},
                                      .crash_min_length = 1.0, .crash_max_length = 2.0}}};
    world.on_fault([](const hio::sim::FaultEvent& fault) { std::printf("fault  %9.6f  %s\n", fault.tyme, fault.what.c_str()); });
    hio::sim::Host& store_host = world.host("store");
    hio::sim::Host& front_host = world.host("front", {.crashable = false});
    hio::sim::Host& client_host = world.host("clients", {.crashable = false});

    // The store's disk holds ten values; its table is what it read from the disk.
    for (int k = 0; k < 10; ++k)
        store_host.disk().put("k" + std::to_string(k), "value-of-k" + std::to_string(k));
    store_host.disk().sync();
    std::map<std::string, std::string> table = store_host.disk().contents();
    store_host.on_crash([&] { table.clear(); });                              // memory is lost
    store_host.on_restart([&] { table = store_host.disk().contents(); });    // the disk is not
    hio::StreamServer store{store_host.network(), {.host = "store", .port = 6000}};
    StoreDoer store_doer{store, table};
    store_host.add({&store_doer});

    // The front and its link to the store: retries forever, a second per attempt, backing off.
    std::map<std::uint64_t, Waiting> waiting;
    std::vector<std::uint64_t> outbox;
    hio::StreamServer front{front_host.network(), {.host = "front", .port = 80}};
    FrontDoer front_doer{front, waiting, outbox};
    hio::StreamClient link{front_host.network(),
                           {.host = "store", .port = 6000, .reconnect_interval = 0.05, .timeout = 0.0,
                            .reconnect = true, .attempt_timeout = 1.0, .backoff = 2.0, .max_interval = 0.4,
                            .jitter = 0.5}};
    StoreLink store_link{link, front, waiting, outbox};
    front_host.add({&front_doer, &store_link});

    std::vector<std::unique_ptr<hio::StreamClient>> connections;
    std::vector<std::unique_ptr<Asker>> askers;
    for (int i = 0; i < clients; ++i) {
        connections.push_back(std::make_unique<hio::StreamClient>(
            client_host.network(), hio::StreamClientOptions{.host = "front", .port = 80, .timeout = 5.0}));
        askers.push_back(std::make_unique<Asker>(*connections.back(), requests));
        client_host.add({askers.back().get()});
    }

    hio::StreamClient impatient_connection{client_host.network(), {.host = "front", .port = 80}};
    Impatient impatient{impatient_connection};
    client_host.add({&impatient});

    world.stop_when([&] {
        for (const auto& asker : askers)
            if (!asker->done_state().value_or(false))
                return false;
        return true;
    });
    hio::Doist doist{{.tock = 1.0 / 1024, .limit = 600.0, .waiter = &world}, world.doers()};
    doist.run();

    long right = 0, wrong = 0;
    for (const auto& asker : askers) {
        right += asker->right;
        wrong += asker->wrong;
    }
    std::printf("clients %d: %ld right, %ld wrong, of %ld asked\n", clients, right, wrong,
                static_cast<long>(clients) * requests);
    std::printf("front: %ld answered after the store, %ld sent again on a new link, %ld for clients gone, "
                "link generation %llu\n",
                store_link.answered, store_link.resent, store_link.dropped,
                static_cast<unsigned long long>(link.generation()));
    std::printf("store: %llu crash(es), %zu values after the last restart\n",
                static_cast<unsigned long long>(store_host.crashes()), table.size());
    std::printf("virtual time %.3f s in %llu passes (%s)\n", doist.tyme(),
                static_cast<unsigned long long>(doist.passes()),
                doist.ended_by() == hio::RunEnd::stopped ? "every client done" : "limit reached");
    std::printf("trace %s\n", world.trace().hex().c_str());
    const bool ok = wrong == 0 && right == static_cast<long>(clients) * requests && link.generation() >= 2 &&
                    store_link.dropped == 1;
    return ok ? 0 : 1;
}
