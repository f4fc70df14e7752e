// libsystemc.so's own main() references sc_main. Programs that link SystemC models but have their
// own main() (the spiketlm program, benchmarks) link this never-called definition.
#include <systemc>

int sc_main(int, char*[]) { return 0; }
