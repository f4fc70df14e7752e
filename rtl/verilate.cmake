# Included from hw/CMakeLists.txt. rtl/pe_core.sv and rtl/router.sv Verilated (--cc) into the hw library: the
# `rtl` PE kind (hw/pe/rtl) and the `rtl` router kind (hw/noc/rtl), docs/rtl.md.
# One model of each per build tree, compiled once; the Verilator runtime comes with them (once: both
# verilate() calls add the same runtime sources to the same target, which CMake lists once).
#
# The sizes the model is Verilated with: the maxima a configuration must fit (checked with a
# config error naming the key). The same numbers reach the C++ wrapper as SPIKETLM_RTL_<NAME>.
set(SPIKETLM_RTL_PE_PARAMS
  NEURONS=1024 SYN_WORDS=65536 AXONS=4096 ROUTES=1024 IN_MAX=8 FIFO_MAX=4096 WFIFO_MAX=16
  LWPC_MAX=4 LANES_MAX=32 UPD_MAX=16 LAT_MAX=16 ACC_SLOTS=8 ACC_W=32 STQ_MAX=32 RT_MAX=8)
set(SPIKETLM_RTL_ROUTER_PARAMS VC_MAX=4 DEPTH_MAX=16 FLIT_W=128 NODES_MAX=128 TAG_W=64)
option(SPIKETLM_RTL_COVERAGE "Verilate with --coverage (make coverage)" OFF)

find_package(verilator REQUIRED HINTS $ENV{VERILATOR_ROOT})

set(_gargs "")
set(_defs "")
foreach(p ${SPIKETLM_RTL_PE_PARAMS})
  list(APPEND _gargs "-G${p}")
  list(APPEND _defs "SPIKETLM_RTL_${p}")
endforeach()
set(_cov "")
if(SPIKETLM_RTL_COVERAGE)
  set(_cov COVERAGE)
endif()

verilate(spiketlm_hw ${_cov} TRACE
  SOURCES ${CMAKE_SOURCE_DIR}/rtl/pe_core.sv ${CMAKE_SOURCE_DIR}/rtl/pe_neuron.sv
  TOP_MODULE pe_core PREFIX Vpe_core DIRECTORY ${CMAKE_BINARY_DIR}/rtl/Vpe_core
  VERILATOR_ARGS -Wall --unroll-count 4096 --x-assign fast --x-initial fast ${_gargs})

set(_rgargs "")
foreach(p ${SPIKETLM_RTL_ROUTER_PARAMS})
  list(APPEND _rgargs "-G${p}")
  list(APPEND _defs "SPIKETLM_RTL_ROUTER_${p}")
endforeach()
verilate(spiketlm_hw ${_cov} TRACE
  SOURCES ${CMAKE_SOURCE_DIR}/rtl/router.sv
  TOP_MODULE router PREFIX Vrouter DIRECTORY ${CMAKE_BINARY_DIR}/rtl/Vrouter
  VERILATOR_ARGS -Wall --unroll-count 4096 --x-assign fast --x-initial fast ${_rgargs})

# The wrapper sees the Verilated headers as system headers (our -Werror stays on our code) and
# the defines the runtime was built with; the generated sources themselves are not ours: no
# warnings from them.
get_target_property(_vdir_srcs spiketlm_hw SOURCES)
foreach(s ${_vdir_srcs})
  if(s MATCHES "/rtl/Vpe_core/|/rtl/Vrouter/|/verilator/include/")
    set_source_files_properties(${s} PROPERTIES COMPILE_OPTIONS "-w")
  endif()
endforeach()
target_include_directories(spiketlm_hw SYSTEM PUBLIC ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd
  ${CMAKE_BINARY_DIR}/rtl/Vpe_core ${CMAKE_BINARY_DIR}/rtl/Vrouter)
target_compile_definitions(spiketlm_hw PUBLIC ${_defs} VM_TRACE=1 VM_TRACE_VCD=1 VM_SC=0
  VM_COVERAGE=$<BOOL:${SPIKETLM_RTL_COVERAGE}>)

# The Verilator runtime as position-independent code with hidden symbols, for the mutant model
# plugins scripts/rtl_mutant_check.py builds (the rtl mutation ctest entries): each plugin links
# it instead of compiling the runtime again.
add_library(spiketlm_vlt_pic STATIC ${VERILATOR_ROOT}/include/verilated.cpp
  ${VERILATOR_ROOT}/include/verilated_threads.cpp ${VERILATOR_ROOT}/include/verilated_vcd_c.cpp)
set_target_properties(spiketlm_vlt_pic PROPERTIES POSITION_INDEPENDENT_CODE ON CXX_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON)
target_include_directories(spiketlm_vlt_pic PRIVATE ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd)
target_compile_definitions(spiketlm_vlt_pic PRIVATE VM_TRACE=1 VM_TRACE_VCD=1 VM_COVERAGE=0 VM_SC=0)
target_compile_options(spiketlm_vlt_pic PRIVATE -w)
set(SPIKETLM_RTL_PE_PARAMS ${SPIKETLM_RTL_PE_PARAMS} PARENT_SCOPE)
set(SPIKETLM_RTL_ROUTER_PARAMS ${SPIKETLM_RTL_ROUTER_PARAMS} PARENT_SCOPE)

# The mesh top (rtl/mesh.sv: routers, NIs and PEs of a small chip) for its regression
# (tests/hw/chip/rtl_mesh_test.cpp, docs/rtl.md "Mesh top"): a static library of the Verilated model
# without the Verilator runtime (spiketlm_hw has it), linked into test_hw_chip only. The sizes are
# those of the regression's chip (3x3 nodes, small PEs), which the test checks against its config.
set(SPIKETLM_RTL_MESH_PARAMS
  W=3 H=3 VC_MAX=2 DEPTH_MAX=4 FLIT_W=64 QDEPTH_MAX=8 DSETS=16 D_MAX=4 HIN_MAX=2
  NEURONS=32 SYN_WORDS=256 AXONS=64 ROUTES=32 IN_MAX=2 FIFO_MAX=8 WFIFO_MAX=4 LWPC_MAX=2 LANES_MAX=8
  UPD_MAX=4 LAT_MAX=2 ACC_SLOTS=2 ACC_W=24 STQ_MAX=8 RT_MAX=1 NOISE=0)
set(_mgargs "")
set(_mdefs "")
foreach(p ${SPIKETLM_RTL_MESH_PARAMS})
  list(APPEND _mgargs "-G${p}")
  list(APPEND _mdefs "SPIKETLM_RTL_MESH_${p}")
endforeach()
add_library(spiketlm_rtl_mesh STATIC EXCLUDE_FROM_ALL)
verilate(spiketlm_rtl_mesh ${_cov} TRACE
  SOURCES ${CMAKE_SOURCE_DIR}/rtl/mesh.sv ${CMAKE_SOURCE_DIR}/rtl/ni.sv ${CMAKE_SOURCE_DIR}/rtl/dline.sv
          ${CMAKE_SOURCE_DIR}/rtl/router.sv ${CMAKE_SOURCE_DIR}/rtl/pe_core.sv ${CMAKE_SOURCE_DIR}/rtl/pe_neuron.sv
  TOP_MODULE mesh PREFIX Vmesh DIRECTORY ${CMAKE_BINARY_DIR}/rtl/Vmesh
  VERILATOR_ARGS -Wall --unroll-count 4096 --x-assign fast --x-initial fast ${_mgargs})
get_target_property(_msrcs spiketlm_rtl_mesh SOURCES)
set(_mkeep "")
foreach(s ${_msrcs})
  if(NOT s MATCHES "/verilator/include/")  # the runtime comes from spiketlm_hw
    list(APPEND _mkeep ${s})
  endif()
endforeach()
set_property(TARGET spiketlm_rtl_mesh PROPERTY SOURCES ${_mkeep})
# -O1: the generated code compiles in about half the time of -O3, and the regression runs in < 1 s
# (-O0 compiles ~35 % faster again, but Verilated code runs several times slower at -O0: 7x for the
# router plugin of scripts/rtl_mutant_check.py). The ~100 generated files compile in unity batches
# of 12 (as Verilator's own makefiles can, VM_PARALLEL_BUILDS=0): each split file otherwise parses
# verilated.h and the model's headers again, ~0.6 s apiece.
set_target_properties(spiketlm_rtl_mesh PROPERTIES COMPILE_OPTIONS "-w;-O1" UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 12)
target_include_directories(spiketlm_rtl_mesh SYSTEM PUBLIC ${VERILATOR_ROOT}/include ${VERILATOR_ROOT}/include/vltstd
  ${CMAKE_BINARY_DIR}/rtl/Vmesh)
# The same VM_COVERAGE as the runtime in spiketlm_hw (make coverage instruments this model too; its
# counts are not written: the coverage figures are the co-simulation models').
target_compile_definitions(spiketlm_rtl_mesh PUBLIC ${_mdefs} VM_TRACE=1 VM_TRACE_VCD=1 VM_SC=0
  VM_COVERAGE=$<BOOL:${SPIKETLM_RTL_COVERAGE}>)
