#pragma once
// Choosing the model behind an rtl kind (the PE's hw/pe/rtl, the router's hw/noc/rtl): the
// Verilated model built into the hw library, or a model plugin (a shared library built by
// scripts/rtl_mutant_check.py with a mutant model) named by an environment variable. The plugin
// side of the same interface is hw/common/verilated_model.h.
namespace spiketlm::rtl {

// The address of `symbol` in the shared library named by $`env_var`, or nullptr when the variable
// is unset or empty. A library that does not load or lacks the symbol is an InputError naming the
// variable and the library.
void* plugin_symbol(const char* env_var, const char* symbol);

// The model factory to use: the plugin's `symbol` when $`env_var` names a plugin, else `built_in`.
template <typename Factory>
Factory model_factory(const char* env_var, const char* symbol, Factory built_in) {
    void* f = plugin_symbol(env_var, symbol);
    return f ? reinterpret_cast<Factory>(f) : built_in;
}

}  // namespace spiketlm::rtl
