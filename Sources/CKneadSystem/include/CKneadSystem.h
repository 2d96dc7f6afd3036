#ifndef CKNEAD_SYSTEM_H
#define CKNEAD_SYSTEM_H
#include <stdint.h>

/// Sets this thread's timer slack (prctl PR_SET_TIMERSLACK). Returns 0 or -errno.
int knead_set_timer_slack(unsigned long nanoseconds);

/// CLOCK_MONOTONIC in nanoseconds.
uint64_t knead_monotonic_now_ns(void);

/// clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) to an absolute deadline in
/// nanoseconds. Returns 0 when the deadline passed, or the error (EINTR when a
/// signal woke the thread early; the caller sleeps again).
int knead_monotonic_sleep_until_ns(uint64_t deadline);

/// CPU time this thread has used (CLOCK_THREAD_CPUTIME_ID), nanoseconds.
uint64_t knead_thread_cpu_time_ns(void);

/// Moves this thread to SCHED_FIFO at `priority`. Returns 0 or -errno (EPERM where
/// real-time scheduling is not permitted).
int knead_thread_set_fifo(int priority);

/// The calling thread's scheduling policy and priority; returns 0 or -errno.
int knead_thread_get_scheduling(int *policy, int *priority);

/// Peak resident set size of this process in bytes (VmHWM in /proc/self/status),
/// or -1 where it cannot be read.
long long knead_peak_rss_bytes(void);
/// Opens a new pseudo-terminal: posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), grantpt,
/// unlockpt, and the slave's path (ptsname_r) into `slave_path` (`capacity` bytes).
/// Returns the master descriptor, or -errno (ERANGE when the path does not fit).
/// (These functions need _GNU_SOURCE/_XOPEN_SOURCE, so Swift does not see them.)
int knead_open_pseudo_terminal(char *slave_path, unsigned long capacity);
#endif
