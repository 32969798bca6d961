/* clock_nanosleep straight to the kernel: libfaketime 0.9.10 with FAKETIME_DONT_FAKE_MONOTONIC=1
   returns EINVAL for Python 3.11's absolute CLOCK_MONOTONIC sleeps. Monotonic time is real here,
   so the kernel's answer is the right one. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
int clock_nanosleep(clockid_t clock, int flags, const struct timespec *req, struct timespec *rem) {
    long r = syscall(SYS_clock_nanosleep, clock, flags, req, rem);
    return r == -1 ? errno : 0;
}
