#ifndef CKNEAD_SYSTEM_H
#define CKNEAD_SYSTEM_H
/// Sets this thread's timer slack (prctl PR_SET_TIMERSLACK). Returns 0 or -errno.
int knead_set_timer_slack(unsigned long nanoseconds);
#endif
