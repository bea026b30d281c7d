// Loaded with LD_PRELOAD into a jambo under test: pthread_create called from an I/O thread
// ("jambo-io") fails with EAGAIN, as every thread creation does once a process or user hits
// its thread limit. Only the blocking pool starts threads there, on demand.
#include <dlfcn.h>
#include <pthread.h>

#include <cerrno>
#include <cstring>

extern "C" int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*start)(void*), void* arg) {
    using Create = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
    static const auto real = reinterpret_cast<Create>(dlsym(RTLD_NEXT, "pthread_create"));
    char name[16] = {};
    if (pthread_getname_np(pthread_self(), name, sizeof name) == 0 && std::strcmp(name, "jambo-io") == 0) {
        return EAGAIN;
    }
    return real(thread, attr, start, arg);
}
