#!/usr/bin/env python3
"""One entry of the RTL mutation check (docs/rtl.md), run by ctest inside `make test`.

--kind pe (default): builds rtl/pe_core.sv with one mutant of scripts/rtl_mutants.yaml applied (or,
with --control, unmutated) into a model plugin, and runs the PE regression
(tests/hw/pe/rtl_pe_test.cpp) on it through $SPIKETLM_RTL_PE_MODEL.
--kind router: the same for rtl/router.sv (plugin with hw/noc/rtl/router_model.cpp, selected by
$SPIKETLM_RTL_ROUTER_MODEL) and the router regression's stress case (tests/hw/noc/rtl_router_test.cpp,
"rtl router: one or two VCs ..."), whose meshes fit the reduced sizes the plugin is Verilated
with (--params: NODES_MAX and DEPTH_MAX below the build's, to keep the compile short).
The source tree is never touched: the RTL is copied into --work.

  control  the unmutated plugin must PASS the regression (so the plugin path itself works);
  mutant   the regression must FAIL (the mutant is caught); exit 1 if it survives.

The plugin: Verilator --cc with the build's parameters; the generated sources compiled as ONE
translation unit (as Verilator's own VM_PARALLEL_BUILDS=0 does: the shared headers are parsed once,
not once per split file) and the model adapter (hw/pe/rtl/pe_core_model.cpp) as another, -fPIC with
hidden symbols, linked with the build's PIC Verilator runtime (spiketlm_vlt_pic) into a shared
library that exports only the factory. Optimisation per kind, whichever gives the shorter
compile + regression: -O0 for the PE (its regression runs in ~2 s), -O1 for the router (its stress
case runs ~7x slower at -O0). A mutant's regression stops at its first failure (--abort: caught
is caught); the control runs the whole regression.
Usage: rtl_mutant_check.py (--id ID | --control | --list-ids) --params "NEURONS=... ..."
       --runtime LIB --test-bin BIN --work DIR [--cxx c++] [--list FILE] [--jobs N]
"""
import argparse
import concurrent.futures
import glob
import importlib.util
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_mutants(path):
    spec = importlib.util.spec_from_file_location("mutate", os.path.join(ROOT, "scripts", "mutate.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.parse_mutants(path)


KINDS = {
    # kind: (files, top, model adapter, plugin variable, define prefix, test spec, optimisation)
    "pe": ("rtl/pe_", "pe_core", "hw/pe/rtl/pe_core_model.cpp", "SPIKETLM_RTL_PE_MODEL", "SPIKETLM_RTL_",
           "rtl pe:*", "-O0"),
    "router": ("rtl/router", "router", "hw/noc/rtl/router_model.cpp", "SPIKETLM_RTL_ROUTER_MODEL",
               "SPIKETLM_RTL_ROUTER_", "rtl router: one or two VCs*", "-O1"),
}


def kind_mutants(path, kind):
    return [m for m in load_mutants(path) if m["file"].startswith(KINDS[kind][0])]


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"rtl_mutant_check: failed ({r.returncode}): {' '.join(cmd)}\n{r.stdout[-4000:]}{r.stderr[-4000:]}")
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--id")
    ap.add_argument("--control", action="store_true")
    ap.add_argument("--list-ids", action="store_true")
    ap.add_argument("--list", default=os.path.join(ROOT, "scripts", "rtl_mutants.yaml"))
    ap.add_argument("--params", default="")
    ap.add_argument("--runtime")
    ap.add_argument("--test-bin")
    ap.add_argument("--work")
    ap.add_argument("--cxx", default="c++")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--kind", choices=sorted(KINDS), default="pe")
    args = ap.parse_args()
    prefix, top, adapter, env_var, dprefix, spec, opt = KINDS[args.kind]
    what = "PE" if args.kind == "pe" else "router"

    if args.list_ids:
        print(";".join(m["id"] for m in kind_mutants(args.list, args.kind)))
        return
    mutant = None
    if not args.control:
        found = [m for m in kind_mutants(args.list, args.kind) if m["id"] == args.id]
        if not found:
            sys.exit(f"rtl_mutant_check: no {what} mutant '{args.id}' in {args.list}")
        mutant = found[0]

    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(os.path.join(work, "rtl"))
    for sv in glob.glob(os.path.join(ROOT, prefix + "*.sv")):
        shutil.copy(sv, os.path.join(work, "rtl"))
    if mutant:
        path = os.path.join(work, mutant["file"])
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if text.count(mutant["find"]) != 1:
            sys.exit(f"rtl_mutant_check: mutant {mutant['id']} is stale (its fragment does not occur exactly once)")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(mutant["find"], mutant["replace"]))

    params = args.params.split()
    obj = os.path.join(work, "obj")
    run(["verilator", "--cc", "--trace", "-Wno-fatal", "--unroll-count", "4096", "--x-assign", "fast",
         "--x-initial", "fast", "--top-module", top, "--prefix", "V" + top, "-Mdir", obj]
        + [f"-G{p}" for p in params]
        + sorted(glob.glob(os.path.join(work, "rtl", "*.sv"))))
    vroot = run(["verilator", "--getenv", "VERILATOR_ROOT"]).stdout.strip()
    flags = [opt, "-fPIC", "-std=c++17", "-fvisibility=hidden", "-w", "-DVM_TRACE=1", "-DVM_TRACE_VCD=1",
             "-DVM_COVERAGE=0", "-DVM_SC=0", f"-I{obj}", f"-I{ROOT}", "-isystem", f"{vroot}/include",
             "-isystem", f"{vroot}/include/vltstd"] + [f"-D{dprefix}{p}" for p in params]
    unity = os.path.join(obj, f"V{top}__ALL.cpp")
    generated = sorted(glob.glob(os.path.join(obj, f"V{top}*.cpp")))
    if not generated:
        sys.exit(f"rtl_mutant_check: Verilator wrote no sources into {obj}")
    with open(unity, "w", encoding="utf-8") as f:
        f.writelines(f'#include "{os.path.basename(g)}"\n' for g in generated)
    sources = [unity, os.path.join(ROOT, adapter)]

    def compile_one(src):
        out = os.path.join(obj, os.path.basename(src) + ".o")
        run([args.cxx] + flags + ["-c", src, "-o", out])
        return out

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        objects = list(ex.map(compile_one, sources))
    lib = os.path.join(work, f"lib{top}_model.so")
    run([args.cxx, "-shared", "-Wl,-Bsymbolic", "-o", lib] + objects + [args.runtime, "-pthread"])

    env = dict(os.environ)
    env[env_var] = lib
    r = subprocess.run([args.test_bin, spec] + ([] if args.control else ["--abort"]), capture_output=True,
                       text=True, env=env)
    if args.control:
        if r.returncode != 0:
            sys.exit(f"rtl_mutant_check: the UNMUTATED model plugin fails the {what} regression:\n" + r.stdout[-4000:])
        print(f"control: the unmutated model plugin passes the {what} regression")
        return
    if r.returncode == 0:
        sys.exit(f"rtl_mutant_check: mutant {mutant['id']} SURVIVED the {what} regression ({mutant['desc']})")
    failed = [l for l in r.stdout.splitlines() if l.startswith(spec.rstrip("*")[:10])]
    print(f"mutant {mutant['id']} caught by the {what} regression ({mutant['desc']}): "
          + (failed[0] if failed else "the regression failed"))


if __name__ == "__main__":
    main()
