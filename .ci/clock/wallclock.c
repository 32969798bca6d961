/* Moves the wall clock, nothing else: CLOCK_REALTIME (and its coarse and TAI kin),
   gettimeofday, time and timespec_get answer DESK_CLOCK_DAYS days later than the kernel.
   The offset is read once, when the library loads; monotonic clocks, sleeps and waits are the
   kernel's own. Preloaded by .ci/clock/run (LD_PRELOAD), inherited by every child process. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static time_t offset;
static int (*real_clock_gettime)(clockid_t, struct timespec *);
static int (*real_gettimeofday)(struct timeval *, void *);

__attribute__((constructor)) static void load(void) {
    const char *days = getenv("DESK_CLOCK_DAYS");
    offset = days ? (time_t)atol(days) * 86400 : 0;
    real_clock_gettime = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    real_gettimeofday = (int (*)(struct timeval *, void *))dlsym(RTLD_NEXT, "gettimeofday");
}

static int is_wall(clockid_t clock) {
    return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI;
}

int clock_gettime(clockid_t clock, struct timespec *ts) {
    if (!real_clock_gettime) load();
    int r = real_clock_gettime(clock, ts);
    if (r == 0 && ts && is_wall(clock)) ts->tv_sec += offset;
    return r;
}

int gettimeofday(struct timeval *tv, void *tz) {
    if (!real_gettimeofday) load();
    int r = real_gettimeofday(tv, tz);
    if (r == 0 && tv) tv->tv_sec += offset;
    return r;
}

time_t time(time_t *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out) *out = ts.tv_sec;
    return ts.tv_sec;
}

int timespec_get(struct timespec *ts, int base) {
    if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, ts) != 0) return 0;
    return base;
}
