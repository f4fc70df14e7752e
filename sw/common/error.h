#pragma once
// Exception types shared by every library. Models throw; only apps/ turns an exception into a
// message and an exit code (Error -> 1, InputError -> 2).
#include <stdexcept>
#include <string>

namespace spiketlm {

// A failure of the tool or the model (exit code 1).
class Error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Bad input from the user: configuration, data or model files (exit code 2).
class InputError : public Error {
  public:
    using Error::Error;
};

// A configuration error: names the key and where it came from ("file:line").
class ConfigError : public InputError {
  public:
    ConfigError(const std::string& where, const std::string& key, const std::string& what)
        : InputError(where + ": " + what), m_where(where), m_key(key) {}
    const std::string& where() const { return m_where; }
    const std::string& key() const { return m_key; }

  private:
    std::string m_where;
    std::string m_key;
};

}  // namespace spiketlm
