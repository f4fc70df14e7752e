#!/usr/bin/env python3
"""Mutation testing: does the test suite catch single-line bugs?

Reads a list of mutants (scripts/mutants.yaml: file, an exact code fragment that must occur
exactly once in it, its replacement, a one-line description, and for a known survivor the
reason it is harmless). For each mutant: the source tree is copied into a scratch directory
(the working tree is never touched, so a killed script leaves no mutated source), the fragment
is replaced there, the scratch tree is built incrementally in a persistent build directory, and
the ctest suite runs with --stop-on-failure and a per-test timeout. Outcomes:

  killed    a test failed (the first failing test is named)
  survived  every test passed (a survivor's list entry says why it is harmless, `harmless:`,
            or which test being written elsewhere is meant to kill it, `pending:`)
  stale     the fragment no longer occurs exactly once (the list needs refreshing; not counted)
  no-build  the mutant does not compile (not counted: the compiler, not a test, caught it)

The kill rate is killed / (killed + survived); pending survivors count as survivors. Exit 0
when it reaches --target (default 95 %) and every survivor carries a `harmless:` or `pending:`
annotation, else 1.

Tests run in two phases, both with --stop-on-failure: first the test binaries named in the
mutant's `tests:` (the quick kill), then the rest of the suite. A mutant that survives has
passed the whole suite.

ccache is used when CMAKE_CXX_COMPILER_LAUNCHER is set in the environment (CMake reads it), and
is not required. Usage: scripts/mutate.py [--only ID[,ID...]] [--list FILE] [--scratch DIR]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --- the list: a small YAML subset (also valid YAML) so that no YAML module is needed ---------
# A sequence of mappings; each value is either the rest of the line (optionally quoted) or a
# `|-` literal block (lines indented deeper than the key; the common indentation removed).
def parse_mutants(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    items, cur, i = [], None, 0
    key_re = re.compile(r"^(\s*)(- )?([A-Za-z_]+):(?: (.*))?$")
    while i < len(lines):
        line = lines[i]
        if not line.strip() or line.lstrip().startswith("#"):
            i += 1
            continue
        m = key_re.match(line)
        if not m:
            raise SystemExit(f"{path}:{i + 1}: cannot parse: {line!r}")
        indent, dash, key, value = len(m.group(1)), m.group(2), m.group(3), m.group(4)
        if dash:
            cur = {"_line": i + 1}
            items.append(cur)
            indent += 2
        if cur is None:
            raise SystemExit(f"{path}:{i + 1}: a key outside a list item")
        if value is not None and value.strip() in ("|-", "|"):
            block, i = [], i + 1
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            pad = min(len(b) - len(b.lstrip()) for b in block if b.strip()) if block else 0
            cur[key] = "\n".join(b[pad:] for b in block)
            continue
        v = (value or "").strip()
        if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
            v = v[1:-1].replace("''", "'") if v[0] == "'" else v[1:-1].replace('\\"', '"')
        cur[key] = v
        i += 1
    for it in items:
        for k in ("id", "file", "find", "replace", "desc"):
            if k not in it:
                raise SystemExit(f"{path}:{it['_line']}: mutant without '{k}'")
    ids = [it["id"] for it in items]
    dup = {x for x in ids if ids.count(x) > 1}
    if dup:
        raise SystemExit(f"{path}: duplicate mutant ids: {', '.join(sorted(dup))}")
    return items


# --- scratch tree ---------------------------------------------------------------------------
def source_files():
    out = subprocess.run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard", "-z"],
                         check=True, capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f and os.path.isfile(os.path.join(ROOT, f))]


def sync_tree(dst):
    """Copies every tracked/untracked-but-not-ignored file whose content differs, so unchanged
    files keep their timestamps and the scratch build stays incremental."""
    files = source_files()
    keep = set(files)
    for f in files:
        s, d = os.path.join(ROOT, f), os.path.join(dst, f)
        with open(s, "rb") as fs:
            data = fs.read()
        try:
            with open(d, "rb") as fd:
                if fd.read() == data:
                    continue
        except FileNotFoundError:
            os.makedirs(os.path.dirname(d), exist_ok=True)
        with open(d, "wb") as fd:
            fd.write(data)
        shutil.copymode(s, d)
    for dirpath, dirs, names in os.walk(dst):
        if os.path.relpath(dirpath, dst) == ".":
            dirs[:] = [d for d in dirs if d not in ("build", "data")]
        for n in names:
            rel = os.path.relpath(os.path.join(dirpath, n), dst)
            if rel not in keep and not rel.startswith(("data" + os.sep, "build" + os.sep)):
                os.remove(os.path.join(dirpath, n))
    # The datasets (git-ignored) are shared, not copied.
    if os.path.isdir(os.path.join(ROOT, "data")) and not os.path.lexists(os.path.join(dst, "data")):
        os.symlink(os.path.join(ROOT, "data"), os.path.join(dst, "data"))


def run(cmd, cwd, timeout=None, log=None):
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        out, rc = p.stdout.decode(errors="replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b"").decode(errors="replace") + "\n[timeout]", -1
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"$ {' '.join(cmd)}  ({time.monotonic() - t0:.0f} s, rc {rc})\n{out}\n")
    return rc, out


class Suite:
    def __init__(self, build, jobs, timeout, log):
        self.build, self.jobs, self.timeout, self.log = build, jobs, timeout, log
        rc, out = run(["ctest", "--show-only=json-v1"], build)
        if rc != 0:
            raise SystemExit("ctest --show-only failed:\n" + out)
        self.tests = []  # (number, name, binary basename)
        for n, t in enumerate(json.loads(out)["tests"], start=1):
            cmd = t.get("command") or [""]
            self.tests.append((n, t["name"], os.path.basename(cmd[0])))

    def numbers(self, binaries):
        if binaries is None:
            return [n for n, _, _ in self.tests]
        return [n for n, _, b in self.tests if b in binaries]

    def run(self, numbers):
        """Runs the given tests; returns (passed, first failing test name or '')."""
        if not numbers:
            return True, ""
        sel = "0,0,0," + ",".join(str(n) for n in numbers)
        rc, out = run(["ctest", "-j", str(self.jobs), "--stop-on-failure", "--timeout", str(self.timeout), "-I", sel],
                      self.build, log=self.log)
        if rc == 0:
            return True, ""
        m = re.search(r"Test\s+#\d+: (.+?) \.+\*+\s*(Failed|Timeout|Exception|Not Run|\S+)", out)
        if not m:
            m2 = re.search(r"The following tests FAILED:\s*\n\s*\d+ - (.+?) \(", out)
            return False, (m2.group(1) if m2 else "ctest failed (see the log)")
        return False, m.group(1).strip() + ("" if m.group(2) == "Failed" else f" ({m.group(2)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", default=os.path.join(ROOT, "scripts", "mutants.yaml"))
    ap.add_argument("--scratch", default=os.environ.get("MUTATE_DIR", os.path.join(ROOT, "build", "mutate")))
    ap.add_argument("--only", default="", help="comma-separated mutant ids (default: all)")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("JOBS", "2")))
    ap.add_argument("--timeout", type=int, default=600, help="per-test timeout, seconds")
    ap.add_argument("--target", type=float, default=95.0, help="required kill rate, percent")
    ap.add_argument("--no-baseline", action="store_true", help="skip the unmutated full suite run")
    ap.add_argument("--check", action="store_true",
                    help="only check that every fragment occurs exactly once in the working tree (no build)")
    args = ap.parse_args()

    mutants = parse_mutants(args.list)
    if args.only:
        want = set(args.only.split(","))
        unknown = want - {m["id"] for m in mutants}
        if unknown:
            raise SystemExit("unknown mutant ids: " + ", ".join(sorted(unknown)))
        mutants = [m for m in mutants if m["id"] in want]

    if args.check:
        bad = 0
        for m in mutants:
            try:
                with open(os.path.join(ROOT, m["file"]), encoding="utf-8") as f:
                    hits = f.read().count(m["find"])
            except FileNotFoundError:
                hits = -1
            if hits != 1:
                bad += 1
                print(f"stale: {m['id']} ({m['file']}): " + ("file missing" if hits < 0 else f"fragment found {hits} times"))
        print(f"{len(mutants) - bad} of {len(mutants)} mutants apply")
        return 0 if bad == 0 else 1

    src = os.path.join(args.scratch, "src")
    # build/release inside the copy, as in the working tree: compiler command lines relative to
    # the source (ccache's CCACHE_BASEDIR) then match the normal build's and hit its cache.
    build = os.path.join(src, "build", "release")
    log = os.path.join(args.scratch, "mutate.log")
    os.makedirs(src, exist_ok=True)
    open(log, "w").close()
    t_start = time.monotonic()
    sync_tree(src)
    if not os.path.exists(os.path.join(build, "build.ninja")):
        rc, out = run(["cmake", "-S", src, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release"], src, log=log)
        if rc != 0:
            raise SystemExit("configure failed:\n" + out[-3000:])
    build_cmd = ["cmake", "--build", build, "-j", str(args.jobs)]
    rc, out = run(build_cmd, src, log=log)
    if rc != 0:
        raise SystemExit("the unmutated tree does not build:\n" + out[-3000:])
    suite = Suite(build, args.jobs, args.timeout, log)
    print(f"mutate: {len(mutants)} mutants, {len(suite.tests)} tests, scratch {args.scratch}", flush=True)
    if not args.no_baseline:
        ok, first = suite.run(suite.numbers(None))
        if not ok:
            raise SystemExit(f"the unmutated suite fails ({first}): fix that before judging mutants")
        print(f"baseline: the whole suite passes ({time.monotonic() - t_start:.0f} s so far)", flush=True)

    results = []
    for m in mutants:
        t0 = time.monotonic()
        path = os.path.join(src, m["file"])
        try:
            with open(path, encoding="utf-8") as f:
                original = f.read()
        except FileNotFoundError:
            original = None
        hits = original.count(m["find"]) if original is not None else 0
        if hits != 1:
            why = "file missing" if original is None else f"fragment found {hits} times"
            results.append((m, "stale", why, 0.0))
            print(f"[stale]    {m['id']}: {why}", flush=True)
            continue
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original.replace(m["find"], m["replace"], 1))
            rc, out = run(build_cmd, src, log=log)
            if rc != 0:
                lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
                errors = [ln for ln in lines if "error:" in ln]
                status = "no-build"
                first = errors[0] if errors else (lines[-1] if lines else "")
            else:
                quick = set(m.get("tests", "").split()) if m.get("tests") else set()
                ok, first = suite.run(suite.numbers(quick)) if quick else (True, "")
                if ok:
                    rest = [n for n in suite.numbers(None) if n not in set(suite.numbers(quick))]
                    ok, first = suite.run(rest)
                status = "survived" if ok else "killed"
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        dt = time.monotonic() - t0
        results.append((m, status, first, dt))
        print(f"[{status}] {m['id']} ({dt:.0f} s): {first or m['desc']}", flush=True)

    # Leave the scratch build matching the unmutated tree for the next incremental run.
    run(build_cmd, src, log=log)
    killed = sum(1 for _, s, _, _ in results if s == "killed")
    survived = [(m, f) for m, s, f, _ in results if s == "survived"]
    judged = killed + len(survived)
    rate = 100.0 * killed / judged if judged else 0.0
    print("\nmutant | outcome | first failing test / note | description")
    for m, s, f, dt in results:
        print(f"{m['id']} | {s} | {f} | {m['desc']}")
    print(f"\nkilled {killed} of {judged} judged mutants: kill rate {rate:.1f} %"
          f" (stale {sum(1 for _, s, _, _ in results if s == 'stale')},"
          f" no-build {sum(1 for _, s, _, _ in results if s == 'no-build')});"
          f" {time.monotonic() - t_start:.0f} s in all; log {log}")
    unexplained = []
    if survived:
        print("survivors:")
        for m, _ in survived:
            if m.get("harmless"):
                print(f"  {m['id']} ({m['file']}): {m['desc']}\n    harmless because: {m['harmless']}")
            elif m.get("pending"):
                print(f"  {m['id']} ({m['file']}): {m['desc']}\n    NOT YET CAUGHT; pending: {m['pending']}")
            else:
                print(f"  {m['id']} ({m['file']}): {m['desc']}\n    NOT ANNOTATED")
                unexplained.append(m["id"])
    if unexplained:
        print("survivors without a `harmless:` reason: " + ", ".join(unexplained) +
              " (add a test that kills them, or say why they cannot matter)")
    killed_pending = [m["id"] for m, s, _, _ in results if s == "killed" and m.get("pending")]
    if killed_pending:
        print("killed now, drop their `pending:` note: " + ", ".join(killed_pending))
    return 0 if judged and rate >= args.target and not unexplained else 1


if __name__ == "__main__":
    sys.exit(main())
