#define _GNU_SOURCE
#include "CKneadSystem.h"
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int knead_set_timer_slack(unsigned long nanoseconds) {
    return prctl(PR_SET_TIMERSLACK, nanoseconds, 0, 0, 0) == 0 ? 0 : -errno;
}

static uint64_t timespec_ns(struct timespec ts) {
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t knead_monotonic_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return timespec_ns(ts);
}

int knead_monotonic_sleep_until_ns(uint64_t deadline) {
    struct timespec ts = {
        .tv_sec = (time_t)(deadline / 1000000000ull),
        .tv_nsec = (long)(deadline % 1000000000ull),
    };
    // clock_nanosleep returns the error number itself, not -1/errno.
    return clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

uint64_t knead_thread_cpu_time_ns(void) {
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return timespec_ns(ts);
}

int knead_thread_set_fifo(int priority) {
    struct sched_param param;
    memset(&param, 0, sizeof param);
    param.sched_priority = priority;
    int err = pthread_setschedparam(pthread_self(), SCHED_FIFO, &param);
    return -err;
}

int knead_thread_get_scheduling(int *policy, int *priority) {
    struct sched_param param;
    int err = pthread_getschedparam(pthread_self(), policy, &param);
    if (err != 0) return -err;
    *priority = param.sched_priority;
    return 0;
}

long long knead_peak_rss_bytes(void) {
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL) return -1;
    char line[256];
    long long kib = -1;
    while (fgets(line, sizeof line, status) != NULL) {
        if (strncmp(line, "VmHWM:", 6) == 0) {
            if (sscanf(line + 6, "%lld", &kib) != 1) kib = -1;
            break;
        }
    }
    fclose(status);
    return kib < 0 ? -1 : kib * 1024;
}

int knead_open_pseudo_terminal(char *slave_path, unsigned long capacity) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return -errno;
    if (grantpt(master) != 0 || unlockpt(master) != 0) {
        int err = errno;
        close(master);
        return -err;
    }
    int err = ptsname_r(master, slave_path, capacity);
    if (err != 0) {
        close(master);
        return -err;
    }
    return master;
}
