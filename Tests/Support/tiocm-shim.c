/*
 * Test-only LD_PRELOAD shim: lets libserialport open a pseudo-terminal.
 *
 * A pty has no modem lines, so the kernel answers TIOCMGET, TIOCMSET, TIOCMBIS and
 * TIOCMBIC with ENOTTY; libserialport asks for them in sp_open and in every sp_set_*,
 * and gives up. This shim passes every ioctl to the real one and, only when one of
 * those four fails with ENOTTY (or EINVAL), answers it from a per-descriptor copy of
 * the lines instead. Everything else (termios, TIOCOUTQ, ...) is untouched.
 *
 * With KNEAD_TIOCM_LOG=FILE set, every change of the lines is appended to FILE as
 * "fd=N lines=0xHH" (TIOCM_DTR 0x002, TIOCM_RTS 0x004), so a test can check what a
 * program did with DTR and RTS.
 *
 * Build: cc -shared -fPIC -O2 -o tiocm-shim.so tiocm-shim.c -ldl
 * Use:   LD_PRELOAD=$PWD/tiocm-shim.so program ...
 * See docs/drivers.md and shared/PLATFORM.md. Never ship this.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>

#define TRACKED_DESCRIPTORS 4096

static int lines[TRACKED_DESCRIPTORS];

static void note(int fd, int value) {
    const char *path = getenv("KNEAD_TIOCM_LOG");
    if (!path) return;
    FILE *file = fopen(path, "a");
    if (!file) return;
    fprintf(file, "fd=%d lines=0x%03x\n", fd, value);
    fclose(file);
}

int ioctl(int fd, unsigned long request, ...) {
    static int (*real_ioctl)(int, unsigned long, ...) = 0;
    if (!real_ioctl) real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");

    va_list arguments;
    va_start(arguments, request);
    void *argument = va_arg(arguments, void *);
    va_end(arguments);

    int result = real_ioctl(fd, request, argument);
    if (result == 0 || (errno != ENOTTY && errno != EINVAL)) return result;
    if (fd < 0 || fd >= TRACKED_DESCRIPTORS || !argument) return result;

    int *value = (int *)argument;
    switch (request) {
    case TIOCMGET:
        *value = lines[fd];
        return 0;
    case TIOCMSET:
        lines[fd] = *value;
        break;
    case TIOCMBIS:
        lines[fd] |= *value;
        break;
    case TIOCMBIC:
        lines[fd] &= ~*value;
        break;
    default:
        return result;
    }
    note(fd, lines[fd]);
    errno = 0;
    return 0;
}
