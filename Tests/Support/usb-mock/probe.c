/*
 * usb-probe: a tiny libusb client that proves usb-mock works (test support only).
 *
 *   usb-probe list
 *       one line per device: "VVVV:PPPP serial=S bus=B ports=P[.P...] addr=D"
 *   usb-probe VID:PID COMMAND [ARGS]      opens the device, claims interface 0, then:
 *       strings                          manufacturer/product/serial via GET_DESCRIPTOR
 *       int-out EP HEX [TIMEOUT_MS]      one synchronous interrupt OUT
 *       int-out-async EP HEX COUNT       async interrupt OUT, resubmitted from its callback
 *       control-out RT RQ VALUE INDEX [HEX]   one async control OUT (numbers in hex)
 *       bulk-echo EP_OUT EP_IN HEX       bulk OUT, then bulk IN until HEX's length came back
 *       bulk-out EP HEX [TIMEOUT_MS]     one synchronous bulk OUT
 *       hotplug EP_IN                    registers a DEVICE_LEFT callback, submits an IN
 *                                        transfer on EP_IN, prints "waiting" and waits up
 *                                        to 10 s for the unplug (SIGUSR1 to usb-mock)
 *       watch                            no handle: registers DEVICE_LEFT, prints "waiting",
 *                                        waits up to 10 s, checks the device list
 * Prints "ok ..." or "error NAME" per step; exits 0 when every step succeeded.
 */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static libusb_context *ctx;

static int parse_hex(const char *s, unsigned char *out, int cap) {
    int n = 0;
    for (; s[0] && s[1] && n < cap; s += 2) {
        unsigned v;
        if (sscanf(s, "%2x", &v) != 1) break;
        out[n++] = (unsigned char)v;
    }
    return n;
}

static void print_hex(const unsigned char *p, int n) {
    for (int i = 0; i < n; i++) printf("%02x", p[i]);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int list(void) {
    libusb_device **devs;
    ssize_t n = libusb_get_device_list(ctx, &devs);
    if (n < 0) { printf("error %s\n", libusb_error_name((int)n)); return 1; }
    for (ssize_t i = 0; i < n; i++) {
        struct libusb_device_descriptor dd;
        libusb_get_device_descriptor(devs[i], &dd);
        unsigned char serial[128] = "";
        libusb_device_handle *h;
        if (dd.iSerialNumber && libusb_open(devs[i], &h) == 0) {
            if (libusb_get_string_descriptor_ascii(h, dd.iSerialNumber, serial, sizeof serial) < 0) serial[0] = 0;
            libusb_close(h);
        }
        uint8_t ports[8];
        int np = libusb_get_port_numbers(devs[i], ports, 8);
        printf("%04x:%04x serial=%s bus=%d ports=", dd.idVendor, dd.idProduct, serial, libusb_get_bus_number(devs[i]));
        for (int p = 0; p < np; p++) printf(p ? ".%d" : "%d", ports[p]);
        printf(" addr=%d\n", libusb_get_device_address(devs[i]));
    }
    libusb_free_device_list(devs, 1);
    return 0;
}

/* ---- async interrupt OUT, resubmitted from the callback */
static int async_left, async_done, async_failed;
static void async_cb(struct libusb_transfer *t) {
    if (t->status != LIBUSB_TRANSFER_COMPLETED) {
        printf("error transfer status %d after %d\n", t->status, async_done);
        async_failed = 1;
        return;
    }
    async_done++;
    if (--async_left > 0) {
        int r = libusb_submit_transfer(t);
        if (r < 0) { printf("error resubmit %s\n", libusb_error_name(r)); async_failed = 1; }
    }
}

/* ---- control OUT */
static int control_status = -1;
static void control_cb(struct libusb_transfer *t) { control_status = t->status; }

/* ---- hotplug */
static int left_fired, in_status = -1;
static int left_cb(libusb_context *c, libusb_device *dev, libusb_hotplug_event ev, void *user) {
    (void)c; (void)dev; (void)ev; (void)user;
    left_fired = 1;
    return 0;
}
static void in_cb(struct libusb_transfer *t) { in_status = t->status; }

int main(int argc, char **argv) {
    int r = libusb_init(&ctx);
    if (r < 0) { printf("error init %s\n", libusb_error_name(r)); return 1; }
    if (argc >= 2 && !strcmp(argv[1], "list")) return list();
    if (argc < 3) { fprintf(stderr, "usage: see the top of probe.c\n"); return 2; }

    unsigned vid, pid;
    if (sscanf(argv[1], "%x:%x", &vid, &pid) != 2) { fprintf(stderr, "bad VID:PID\n"); return 2; }
    const char *cmd = argv[2];
    libusb_hotplug_callback_handle hp = 0;
    if (!strcmp(cmd, "hotplug") || !strcmp(cmd, "watch")) {
        if (!libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) printf("note no hotplug capability\n");
        r = libusb_hotplug_register_callback(ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT, 0, vid, pid,
                                             LIBUSB_HOTPLUG_MATCH_ANY, left_cb, NULL, &hp);
        if (r < 0) printf("error hotplug_register %s\n", libusb_error_name(r));
    }
    if (!strcmp(cmd, "watch")) {
        /* no open handle: only the udev monitor (umockdev's emulated uevents) can tell */
        libusb_device_handle *dummy = libusb_open_device_with_vid_pid(ctx, vid, pid);
        printf("%s present\n", dummy ? "ok" : "error");
        if (dummy) libusb_close(dummy);
        printf("waiting\n");
        fflush(stdout);
        double t0 = now();
        while (!left_fired && now() - t0 < 10) {
            struct timeval tv = {0, 100000};
            libusb_handle_events_timeout_completed(ctx, &tv, NULL);
        }
        printf(left_fired ? "ok hotplug left\n" : "error hotplug left did not fire\n");
        libusb_device **devs;
        ssize_t n = libusb_get_device_list(ctx, &devs), still = 0;
        for (ssize_t i = 0; i < n; i++) {
            struct libusb_device_descriptor dd;
            libusb_get_device_descriptor(devs[i], &dd);
            if (dd.idVendor == vid && dd.idProduct == pid) still++;
        }
        if (n >= 0) libusb_free_device_list(devs, 1);
        printf("%s device list has %zd such devices\n", still ? "error" : "ok", still);
        return !left_fired || still;
    }
    libusb_device_handle *h = libusb_open_device_with_vid_pid(ctx, vid, pid);
    if (!h) { printf("error open (not found or no access)\n"); return 1; }
    r = libusb_claim_interface(h, 0);
    if (r < 0) { printf("error claim %s\n", libusb_error_name(r)); return 1; }
    printf("ok claimed\n");
    int fail = 0;
    unsigned char buf[4096];

    if (!strcmp(cmd, "strings")) {
        struct libusb_device_descriptor dd;
        libusb_get_device_descriptor(libusb_get_device(h), &dd);
        uint8_t idx[3] = {dd.iManufacturer, dd.iProduct, dd.iSerialNumber};
        const char *names[3] = {"manufacturer", "product", "serial"};
        for (int i = 0; i < 3; i++) {
            if (!idx[i]) { printf("ok %s none\n", names[i]); continue; }
            r = libusb_get_string_descriptor_ascii(h, idx[i], buf, sizeof buf);
            if (r < 0) { printf("error %s %s\n", names[i], libusb_error_name(r)); fail = 1; }
            else printf("ok %s %s\n", names[i], buf);
        }
    } else if (!strcmp(cmd, "int-out") && argc >= 5) {
        int ep = (int)strtol(argv[3], NULL, 16), n = parse_hex(argv[4], buf, sizeof buf), done = 0;
        unsigned timeout = argc >= 6 ? (unsigned)atoi(argv[5]) : 1000;
        double t0 = now();
        r = libusb_interrupt_transfer(h, ep, buf, n, &done, timeout);
        if (r < 0) { printf("error %s after %.3f s\n", libusb_error_name(r), now() - t0); fail = 1; }
        else printf("ok sent %d\n", done);
    } else if (!strcmp(cmd, "bulk-out") && argc >= 5) {
        int ep = (int)strtol(argv[3], NULL, 16), n = parse_hex(argv[4], buf, sizeof buf), done = 0;
        unsigned timeout = argc >= 6 ? (unsigned)atoi(argv[5]) : 1000;
        double t0 = now();
        r = libusb_bulk_transfer(h, ep, buf, n, &done, timeout);
        if (r < 0) { printf("error %s after %.3f s\n", libusb_error_name(r), now() - t0); fail = 1; }
        else printf("ok sent %d\n", done);
    } else if (!strcmp(cmd, "int-out-async") && argc >= 6) {
        int ep = (int)strtol(argv[3], NULL, 16), n = parse_hex(argv[4], buf, sizeof buf);
        async_left = atoi(argv[5]);
        int want = async_left;
        struct libusb_transfer *t = libusb_alloc_transfer(0);
        libusb_fill_interrupt_transfer(t, h, ep, buf, n, async_cb, NULL, 1000);
        double t0 = now();
        r = libusb_submit_transfer(t);
        if (r < 0) { printf("error submit %s\n", libusb_error_name(r)); fail = 1; }
        while (!fail && !async_failed && async_done < want && now() - t0 < 10) {
            struct timeval tv = {1, 0};
            libusb_handle_events_timeout_completed(ctx, &tv, NULL);
        }
        if (async_done == want) printf("ok async %d in %.3f s\n", async_done, now() - t0);
        else { printf("error async only %d of %d\n", async_done, want); fail = 1; }
        libusb_free_transfer(t);
    } else if (!strcmp(cmd, "control-out") && argc >= 7) {
        int rt = (int)strtol(argv[3], NULL, 16), rq = (int)strtol(argv[4], NULL, 16);
        int value = (int)strtol(argv[5], NULL, 16), index = (int)strtol(argv[6], NULL, 16);
        unsigned char data[256];
        int n = argc >= 8 ? parse_hex(argv[7], data, sizeof data) : 0;
        unsigned char *cbuf = malloc(LIBUSB_CONTROL_SETUP_SIZE + n);
        libusb_fill_control_setup(cbuf, rt, rq, value, index, n);
        memcpy(cbuf + LIBUSB_CONTROL_SETUP_SIZE, data, n);
        struct libusb_transfer *t = libusb_alloc_transfer(0);
        libusb_fill_control_transfer(t, h, cbuf, control_cb, NULL, 1000);
        r = libusb_submit_transfer(t);
        if (r < 0) { printf("error submit %s\n", libusb_error_name(r)); fail = 1; }
        double t0 = now();
        while (!fail && control_status < 0 && now() - t0 < 5) {
            struct timeval tv = {1, 0};
            libusb_handle_events_timeout_completed(ctx, &tv, NULL);
        }
        if (control_status == LIBUSB_TRANSFER_COMPLETED) printf("ok control %d\n", t->actual_length);
        else { printf("error control status %d\n", control_status); fail = 1; }
        libusb_free_transfer(t);
    } else if (!strcmp(cmd, "bulk-echo") && argc >= 6) {
        int epo = (int)strtol(argv[3], NULL, 16), epi = (int)strtol(argv[4], NULL, 16);
        int n = parse_hex(argv[5], buf, sizeof buf), done = 0;
        r = libusb_bulk_transfer(h, epo, buf, n, &done, 1000);
        if (r < 0) { printf("error bulk out %s\n", libusb_error_name(r)); fail = 1; }
        unsigned char in[4096];
        int got = 0;
        double t0 = now();
        while (!fail && got < n && now() - t0 < 5) {
            int k = 0;
            r = libusb_bulk_transfer(h, epi, in + got, 64, &k, 2000);
            if (r < 0 && r != LIBUSB_ERROR_TIMEOUT) { printf("error bulk in %s\n", libusb_error_name(r)); fail = 1; }
            got += k;
        }
        if (!fail) {
            printf(got == n && !memcmp(in, buf, n) ? "ok echo " : "error echo ");
            print_hex(in, got);
            printf(" in %.3f s\n", now() - t0);
            if (got != n || memcmp(in, buf, n)) fail = 1;
        }
    } else if (!strcmp(cmd, "hotplug") && argc >= 4) {
        int epi = (int)strtol(argv[3], NULL, 16);
        struct libusb_transfer *t = libusb_alloc_transfer(0);
        unsigned char in[64];
        struct libusb_config_descriptor *cd;
        int type = LIBUSB_TRANSFER_TYPE_INTERRUPT;
        if (libusb_get_active_config_descriptor(libusb_get_device(h), &cd) == 0) {
            for (int e = 0; e < cd->interface[0].altsetting[0].bNumEndpoints; e++)
                if (cd->interface[0].altsetting[0].endpoint[e].bEndpointAddress == epi)
                    type = cd->interface[0].altsetting[0].endpoint[e].bmAttributes & 3;
            libusb_free_config_descriptor(cd);
        }
        if (type == LIBUSB_TRANSFER_TYPE_BULK) libusb_fill_bulk_transfer(t, h, epi, in, sizeof in, in_cb, NULL, 0);
        else libusb_fill_interrupt_transfer(t, h, epi, in, sizeof in, in_cb, NULL, 0);
        r = libusb_submit_transfer(t);
        if (r < 0) { printf("error submit %s\n", libusb_error_name(r)); fail = 1; }
        printf("waiting\n");
        fflush(stdout);
        double t0 = now(), t_in = 0, t_left = 0;
        while (!fail && (in_status < 0 || !left_fired) && now() - t0 < 10) {
            struct timeval tv = {0, 100000};
            libusb_handle_events_timeout_completed(ctx, &tv, NULL);
            if (in_status >= 0 && !t_in) t_in = now();
            if (left_fired && !t_left) t_left = now();
        }
        if (in_status == LIBUSB_TRANSFER_NO_DEVICE) printf("ok transfer no-device\n");
        else { printf("error transfer status %d\n", in_status); fail = 1; }
        if (left_fired) printf("ok hotplug left (%.3f s after the transfer ended)\n", t_left - t_in);
        else { printf("error hotplug left did not fire\n"); fail = 1; }
        r = libusb_interrupt_transfer(h, 0x01, buf, 1, NULL, 100);
        printf("%s later transfer: %s\n", r == LIBUSB_ERROR_NO_DEVICE ? "ok" : "error", libusb_error_name(r));
        if (r != LIBUSB_ERROR_NO_DEVICE) fail = 1;
        libusb_free_transfer(t);
    } else {
        fprintf(stderr, "unknown command or missing arguments: %s\n", cmd);
        return 2;
    }
    libusb_release_interface(h, 0);
    libusb_close(h);
    if (hp) libusb_hotplug_deregister_callback(ctx, hp);
    libusb_exit(ctx);
    return fail;
}
