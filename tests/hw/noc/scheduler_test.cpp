// hw/sim/cycle_scheduler: components run only in the cycles they asked for, SystemC time jumps
// over idle cycles, external wake-ups round up to the next cycle, model exceptions come out of
// run_until unchanged.
#include <catch2/catch.hpp>

#include <systemc>

#include "hw/sim/cycle_scheduler.h"
#include "sw/common/error.h"

using namespace spiketlm;

namespace {
struct Ticker : sim::Clocked {
    std::vector<proto::Cycle> plan;  // cycles to run in (each run requests the next)
    std::vector<proto::Cycle> ran;
    std::vector<sc_core::sc_time> at_time;
    std::size_t next = 0;
    void evaluate(proto::Cycle now) override {
        ran.push_back(now);
        at_time.push_back(sc_core::sc_time_stamp());
        while (next < plan.size() && plan[next] <= now) ++next;
        if (next < plan.size()) wake(plan[next]);
    }
};
struct Thrower : sim::Clocked {
    void evaluate(proto::Cycle now) override { throw InputError("thrower failed in cycle " + std::to_string(now)); }
};
struct Pinger : sim::Clocked {
    Pinger* peer = nullptr;
    std::vector<proto::Cycle> got;
    int left = 0;
    void evaluate(proto::Cycle now) override {
        got.push_back(now);
        if (left-- > 0) peer->wake(now + 3);
    }
};

SC_MODULE(Poker) {
    sim::Clocked* target = nullptr;
    sim::CycleScheduler* sched = nullptr;
    SC_CTOR(Poker) { SC_THREAD(run); }
    void run() {
        wait(sc_core::sc_time(12.5, sc_core::SC_NS));
        sched->wake(*target, 0);  // in the past: runs in the next cycle that can still be scheduled
    }
};
}  // namespace

TEST_CASE("sim: the cycle scheduler evaluates only requested cycles and skips idle time", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    Ticker t;
    t.plan = {3, 10, 11, 5000, 200000};
    sched.attach(t);
    Pinger a, b;
    a.peer = &b;
    b.peer = &a;
    a.left = b.left = 3;
    sched.attach(a);
    sched.attach(b);
    Ticker late;
    sched.attach(late);
    Poker poker("poker");
    poker.target = &late;
    poker.sched = &sched;

    t.wake(t.plan[0]);
    a.wake(1);
    sched.run_until(300000);
    CHECK(t.ran == std::vector<proto::Cycle>{3, 10, 11, 5000, 200000});
    CHECK(t.at_time[3] == sc_core::sc_time(5000, sc_core::SC_NS));  // quantum 1: SystemC time = cycle
    CHECK(a.got == std::vector<proto::Cycle>{1, 7, 13, 19});
    CHECK(b.got == std::vector<proto::Cycle>{4, 10, 16});
    CHECK(late.ran == std::vector<proto::Cycle>{13});  // 12.5 ns rounds up to cycle 13
    CHECK(sched.evaluations() == 5 + 4 + 3 + 1);
    CHECK(sched.active_cycles() == 11);  // cycle 10 runs t and b, cycle 13 a and late
    CHECK(sched.idle());
    CHECK(sched.now() == 300000);
}

// Its own process, without SC_THREADs: an exception unwinding the main stack after a QuickThreads
// coroutine (Poker above) has run leaves ASan with wrong stack bounds (SystemC's coroutine
// switches are not annotated for ASan: google/sanitizers#189), a false stack-buffer-underflow.
TEST_CASE("sim: an exception thrown by a model comes out of run_until unchanged", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    Ticker t;
    t.plan = {2, 4};
    sched.attach(t);
    t.wake(t.plan[0]);
    Thrower th;
    sched.attach(th);
    th.wake(7);
    std::string caught;
    try {
        sched.run_until(100);
    } catch (const InputError& e) {  // the model's type, not a SystemC report
        caught = e.what();
    }
    CHECK(caught == "thrower failed in cycle 7");
    CHECK(t.ran == std::vector<proto::Cycle>{2, 4});
}

TEST_CASE("sim: waking a component for the current or a past cycle inside a cycle is an error", "[system]") {
    sim::CycleScheduler sched("clk", sc_core::sc_time(1, sc_core::SC_NS));
    struct Bad : sim::Clocked {
        void evaluate(proto::Cycle now) override { wake(now); }
    } bad;
    sched.attach(bad);
    bad.wake(5);
    CHECK_THROWS_WITH(sched.run_until(10), Catch::Contains("during cycle 5"));
}
