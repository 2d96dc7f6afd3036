// The few C library and ARM EABI run-time functions the Embedded Swift image calls,
// so it links without a C library or compiler-rt (the Swift toolchain ships neither
// for armv7em): memory copies and fills, a start-up allocator, 64-bit division.
//
// Allocation: a bump allocator over the .heap section (mps2-an386.ld). The firmware
// allocates only while it starts (KWPDevice's buffers, the rings, the classes); `free`
// does nothing. `firmware_heap_used` says how much was taken, for the boot banner.

#include <stddef.h>
#include <stdint.h>

extern uint8_t __heap_start, __heap_end;
static uint8_t *heap_next = &__heap_start;

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *)) alignment = sizeof(void *);
    uintptr_t start = ((uintptr_t)heap_next + alignment - 1) & ~(uintptr_t)(alignment - 1);
    if (start + size > (uintptr_t)&__heap_end) return 12;  // ENOMEM: Swift traps
    heap_next = (uint8_t *)(start + size);
    *result = (void *)start;
    return 0;
}

void free(void *pointer) { (void)pointer; }

uint32_t firmware_heap_used(void) { return (uint32_t)(heap_next - &__heap_start); }
uint32_t firmware_heap_size(void) { return (uint32_t)(&__heap_end - &__heap_start); }

void *memset(void *destination, int value, size_t count) {
    uint8_t *d = destination;
    while (count--) *d++ = (uint8_t)value;
    return destination;
}

void *memcpy(void *destination, const void *source, size_t count) {
    uint8_t *d = destination;
    const uint8_t *s = source;
    while (count--) *d++ = *s++;
    return destination;
}

void *memmove(void *destination, const void *source, size_t count) {
    uint8_t *d = destination;
    const uint8_t *s = source;
    if (d < s) {
        while (count--) *d++ = *s++;
    } else {
        d += count;
        s += count;
        while (count--) *--d = *--s;
    }
    return destination;
}

int memcmp(const void *a, const void *b, size_t count) {
    const uint8_t *x = a, *y = b;
    for (; count; count--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}

void __aeabi_memclr(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr4(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memclr8(void *d, size_t n) { memset(d, 0, n); }
void __aeabi_memset(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memset4(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memset8(void *d, size_t n, int c) { memset(d, c, n); }
void __aeabi_memcpy(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy4(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memcpy8(void *d, const void *s, size_t n) { memcpy(d, s, n); }
void __aeabi_memmove(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove4(void *d, const void *s, size_t n) { memmove(d, s, n); }
void __aeabi_memmove8(void *d, const void *s, size_t n) { memmove(d, s, n); }

// MARK: 64-bit division (the Cortex-M4 divides 32 bits in hardware, not 64)

// Shift-and-subtract; a division by zero gives all ones (Swift checks before dividing).
static uint64_t udivmod64(uint64_t n, uint64_t d, uint64_t *remainder) {
    if (d == 0) {
        *remainder = n;
        return ~(uint64_t)0;
    }
    if ((n >> 32) == 0 && (d >> 32) == 0) {
        uint32_t q = (uint32_t)n / (uint32_t)d;
        *remainder = (uint32_t)n - q * (uint32_t)d;
        return q;
    }
    uint64_t q = 0, r = 0;
    for (int bit = 63; bit >= 0; bit--) {
        r = (r << 1) | ((n >> bit) & 1);
        if (r >= d) {
            r -= d;
            q |= (uint64_t)1 << bit;
        }
    }
    *remainder = r;
    return q;
}

uint64_t firmware_udivmod64(uint64_t n, uint64_t d, uint64_t *remainder) {
    return udivmod64(n, d, remainder);
}

int64_t firmware_sdivmod64(int64_t n, int64_t d, int64_t *remainder) {
    uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n;
    uint64_t ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
    uint64_t ur;
    uint64_t uq = udivmod64(un, ud, &ur);
    // Truncating division: the remainder takes the dividend's sign.
    *remainder = n < 0 ? -(int64_t)ur : (int64_t)ur;
    return (n < 0) != (d < 0) ? -(int64_t)uq : (int64_t)uq;
}

// The EABI entry points return the quotient in r0:r1 and the remainder in r2:r3,
// which C cannot say: call the C function with room for the remainder on the stack.
#define DIVMOD_WRAPPER(name, target)               \
    __attribute__((naked)) void name(void) {       \
        __asm volatile(                            \
            "push {r4, lr}\n"                      \
            "sub sp, sp, #16\n"                    \
            "add r4, sp, #8\n"                     \
            "str r4, [sp]\n"                       \
            "bl " #target "\n"                     \
            "ldrd r2, r3, [sp, #8]\n"              \
            "add sp, sp, #16\n"                    \
            "pop {r4, pc}\n");                     \
    }

DIVMOD_WRAPPER(__aeabi_uldivmod, firmware_udivmod64)
DIVMOD_WRAPPER(__aeabi_ldivmod, firmware_sdivmod64)
