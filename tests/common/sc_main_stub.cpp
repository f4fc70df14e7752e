// libsystemc.so references sc_main; test binaries run Catch's main instead and never call it.
#include <systemc>

int sc_main(int, char*[]) { return 0; }
