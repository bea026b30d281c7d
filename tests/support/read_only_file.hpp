#pragma once
/// Makes a file one this process can only read, for as long as the object lives.

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace jambo::testing {

class ReadOnlyFile {
public:
    // Root ignores file modes; the immutable flag (ext4, e2fsprogs' chattr) binds root too.
    explicit ReadOnlyFile(std::string path) : path_(std::move(path)), root_(::geteuid() == 0) {
        if (!run(root_ ? "chattr +i" : "chmod 0400")) throw std::runtime_error("cannot make " + path_ + " read-only");
    }
    ReadOnlyFile(const ReadOnlyFile&) = delete;
    ReadOnlyFile& operator=(const ReadOnlyFile&) = delete;
    // Also when a check failed: the test's directory must be removable afterwards.
    ~ReadOnlyFile() { (void)run(root_ ? "chattr -i" : "chmod 0600"); }

private:
    bool run(const std::string& command) const { return std::system((command + " '" + path_ + "'").c_str()) == 0; }

    std::string path_;
    bool root_;
};

}  // namespace jambo::testing
