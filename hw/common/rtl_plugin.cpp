#include "hw/common/rtl_plugin.h"

#include <cstdlib>
#include <string>

#include <dlfcn.h>

#include "sw/common/error.h"

namespace spiketlm::rtl {

void* plugin_symbol(const char* env_var, const char* symbol) {
    const char* lib = std::getenv(env_var);
    if (!lib || !*lib) return nullptr;
    void* h = ::dlopen(lib, RTLD_NOW | RTLD_LOCAL);
    if (!h) throw InputError(std::string(env_var) + ": cannot load '" + lib + "': " + ::dlerror());
    void* f = ::dlsym(h, symbol);
    if (!f) throw InputError(std::string(env_var) + ": '" + lib + "' has no " + symbol);
    return f;
}

}  // namespace spiketlm::rtl
