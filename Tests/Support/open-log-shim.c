/*
 * Test-only LD_PRELOAD shim: appends the path of every open()/openat() of a file
 * under /dev/ to the file named by KNEAD_OPEN_LOG, then opens it as asked. Tests use
 * it to prove that `knead devices` opens no port (least of all the console). It
 * covers open, open64, openat, openat64 and the fortified __open_2/__open64_2.
 *
 * Build: cc -shared -fPIC -O2 -o open-log-shim.so open-log-shim.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void note(const char *path) {
    const char *log = getenv("KNEAD_OPEN_LOG");
    if (!log || !path || strncmp(path, "/dev/", 5) != 0) return;
    FILE *file = fopen(log, "a");
    if (!file) return;
    fprintf(file, "%s\n", path);
    fclose(file);
}

static mode_t mode_argument(int flags, va_list arguments) {
    return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(arguments, int) : 0;
}

int open(const char *path, int flags, ...) {
    static int (*real)(const char *, int, ...) = 0;
    if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
    va_list arguments;
    va_start(arguments, flags);
    mode_t mode = mode_argument(flags, arguments);
    va_end(arguments);
    note(path);
    return real(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    static int (*real)(const char *, int, ...) = 0;
    if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
    va_list arguments;
    va_start(arguments, flags);
    mode_t mode = mode_argument(flags, arguments);
    va_end(arguments);
    note(path);
    return real(path, flags, mode);
}

int openat(int directory, const char *path, int flags, ...) {
    static int (*real)(int, const char *, int, ...) = 0;
    if (!real) real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat");
    va_list arguments;
    va_start(arguments, flags);
    mode_t mode = mode_argument(flags, arguments);
    va_end(arguments);
    note(path);
    return real(directory, path, flags, mode);
}

/* What fortified C code (-D_FORTIFY_SOURCE, as Debian builds libraries) calls when
 * the flags are not known at compile time: libserialport opens ports this way. */
int __open_2(const char *path, int flags) {
    static int (*real)(const char *, int) = 0;
    if (!real) real = (int (*)(const char *, int))dlsym(RTLD_NEXT, "__open_2");
    note(path);
    return real(path, flags);
}

int __open64_2(const char *path, int flags) {
    static int (*real)(const char *, int) = 0;
    if (!real) real = (int (*)(const char *, int))dlsym(RTLD_NEXT, "__open64_2");
    note(path);
    return real(path, flags);
}

int openat64(int directory, const char *path, int flags, ...) {
    static int (*real)(int, const char *, int, ...) = 0;
    if (!real) real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, "openat64");
    va_list arguments;
    va_start(arguments, flags);
    mode_t mode = mode_argument(flags, arguments);
    va_end(arguments);
    note(path);
    return real(directory, path, flags, mode);
}
