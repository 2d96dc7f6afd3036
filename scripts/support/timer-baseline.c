/* The machine's own timer latency, for reading knead's figures against: a bare 1 kHz
 * loop of clock_nanosleep(TIMER_ABSTIME) with timer slack 1 ns and SCHED_FIFO 50 where
 * permitted, the same recipe as knead's engine (PLATFORM.md, "Timing"), with nothing
 * else in it. Prints one markdown table row: fifo, n, p50, p99, p99.9, max in µs.
 * Usage: timer-baseline WAKEUPS LABEL */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

static int by_value(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 10000;
    const char *label = argc > 2 ? argv[2] : "";
    if (n < 1000) n = 1000;
    struct sched_param priority = {.sched_priority = 50};
    int fifo = sched_setscheduler(0, SCHED_FIFO, &priority) == 0;
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    long *late = malloc(sizeof(long) * (size_t)n);
    if (!late) return 1;
    struct timespec due, now;
    clock_gettime(CLOCK_MONOTONIC, &due);
    for (int i = 0; i < n; i++) {
        due.tv_nsec += 1000000;
        if (due.tv_nsec >= 1000000000) { due.tv_nsec -= 1000000000; due.tv_sec++; }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
        clock_gettime(CLOCK_MONOTONIC, &now);
        late[i] = (now.tv_sec - due.tv_sec) * 1000000000L + (now.tv_nsec - due.tv_nsec);
    }
    qsort(late, (size_t)n, sizeof(long), by_value);
    printf("| %s | %s | %d | %.1f | %.1f | %.1f | %.1f |\n", label, fifo ? "yes" : "no", n,
           late[n / 2] / 1e3, late[(long)n * 99 / 100] / 1e3, late[(long)n * 999 / 1000] / 1e3, late[n - 1] / 1e3);
    free(late);
    return 0;
}
