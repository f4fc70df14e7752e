// Catch2 v2 main shared by every test binary (see TOOLCHAIN.md: libsystemc.so has its own main).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) { return Catch::Session().run(argc, argv); }
