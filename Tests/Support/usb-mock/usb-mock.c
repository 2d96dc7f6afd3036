/*
 * usb-mock: emulate USB devices for libusb, without hardware (test support only).
 *
 * Like umockdev-run, but the device node is served by our own ioctl handler
 * (umockdev's UMockdevIoctlBase "handle-ioctl" API) instead of a replay file, so
 * the device accepts any order of transfers, answers control transfers, can be
 * unplugged, and can answer bulk OUT data through a bridge (a pty that `knead sim`
 * serves). It sets up a UMockdevTestbed, adds each device description, attaches a
 * handler on each /dev/bus/usb/BBB/DDD node, prints "usb-mock: ready" on stderr,
 * runs COMMAND with LD_PRELOAD=libumockdev-preload.so.0 and UMOCKDEV_DIR set, and
 * exits with its exit status (or 128+signal).
 *
 *   usb-mock --device FILE.umockdev [--node /dev/bus/usb/BBB/DDD] [--log FILE]
 *            [--bridge PATH] [--unplug-after-out N] [--stall-after-out N] [--hold-out]
 *            [--device FILE2.umockdev [its options...]] ... -- COMMAND [ARGS...]
 *
 * Options after a --device belong to that device; --device may be repeated (each
 * device its own bus/dev number, handler and options). --node picks the node when a
 * description has several; it defaults to the first "N: bus/usb/..." line. Give
 * each device its own --log, or the same --log path to several devices: then each
 * line of that shared file starts with the device's "BBB/DDD ".
 *
 * Log (one line per event, flushed at once, lowercase hex, single spaces):
 *   claim IFACE | release IFACE                  interface number, decimal
 *   control RT RQ VVVV IIII LLLL [DATAHEX]       vendor/class control transfer;
 *                                                data only for OUT with wLength > 0
 *   std control RT RQ VVVV IIII LLLL [DATAHEX]   standard request (bmRequestType type
 *                                                bits 0): answered from the description
 *                                                (GET_DESCRIPTOR device/config/string,
 *                                                GET_STATUS/CONFIGURATION/INTERFACE),
 *                                                never counted as an OUT transfer
 *   interrupt-out EP DATAHEX | bulk-out EP DATAHEX   every OUT URB, EP like 01
 *   discard EP                                   the client cancelled a pending URB
 *   set-configuration N | set-interface IFACE ALT | clear-halt EP | reset
 *   unplugged                                    the device went away
 * (the type of an OUT URB is taken from the endpoint descriptor, like the kernel).
 *
 * Transfers: OUT transfers complete at once (bulk OUT payloads are also written to
 * the --bridge). Vendor/class control IN requests complete with no data. Bulk IN
 * URBs complete with bytes read from the --bridge (up to the URB's length, in
 * submission order); without a bridge, and for interrupt IN, IN URBs stay pending
 * until discarded or unplugged. --bridge PATH is waited for (up to 10 s), opened and
 * set raw before "ready". SIGTERM, SIGINT and SIGHUP are forwarded to COMMAND.
 *
 * Faults: --unplug-after-out N unplugs after the Nth OUT transfer (control OUT,
 * interrupt OUT or bulk OUT; std requests do not count) completed; SIGUSR1 unplugs
 * the first device still present. --stall-after-out N: OUT transfers after the Nth
 * end with -EPIPE. --hold-out: OUT transfers never complete (until discarded).
 * Unplug: pending URBs are reaped with -ENODEV, later ioctls fail with ENODEV, the
 * node's fd reports POLLERR, and a "remove" uevent is sent before the device leaves
 * the testbed.
 *
 * How completion is signalled: umockdev makes a USB node a regular file, which is
 * always ready for POLLOUT, so libusb would spin reaping. usb-mock replaces the node
 * with a symlink to a pseudo-terminal slave with IXON set: writing ^S to the master
 * stops the slave's output (no POLLOUT), ^Q starts it (POLLOUT: a URB is reapable),
 * closing the master hangs the slave up (POLLERR: the device is gone), exactly what
 * libusb's usbfs backend expects of a real usbfs fd. The client never reads or
 * writes that fd; all its ioctls go to our handler.
 *
 * Build: Tests/Support/usb-mock/build  (gcc, pkg-config umockdev-1.0, libumockdev-dev)
 * See Tests/Support/usb-mock/README.md. Never ship this.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib-unix.h>
#include <linux/usbdevice_fs.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <umockdev.h>
#include <unistd.h>

#define MAX_IFACES 32
#define MAX_EPS 32

typedef struct {
    guint8 iface, alt, n_eps;
    guint8 ep_addr[MAX_EPS], ep_type[MAX_EPS];
} AltSetting;

typedef struct LogFile {
    char *path;
    FILE *file;
    int users;
} LogFile;

typedef struct Urb {
    UMockdevIoctlClient *client;   /* ref */
    UMockdevIoctlData *data;       /* ref; the usbdevfs_urb, buffer resolved */
    struct usbdevfs_urb *u;        /* == data->data */
    guint8 *buf;                   /* local copy of the client's buffer (or NULL) */
    gboolean done;
    gboolean is_out;
    guint8 ep_type;                /* USBDEVFS_URB_TYPE_* as the endpoint really is */
} Urb;

typedef struct Device {
    int index;
    char *file, *node, *syspath;
    char busdev[16];               /* "BBB/DDD" */
    GByteArray *desc;              /* device + configuration descriptors */
    char *manufacturer, *product, *serial;
    int speed;                     /* USB_SPEED_* style: 1 low, 2 full, 3 high */
    AltSetting alts[MAX_IFACES * 4];
    int n_alts;
    guint8 cur_alt[MAX_IFACES];
    guint32 claimed;
    int config;

    LogFile *log;
    gboolean log_prefix;
    char *bridge_path;
    int bridge_fd;
    guint bridge_watch;
    GByteArray *bridge_in;         /* bytes from the bridge not yet given to a URB */
    long unplug_after_out, stall_after_out;
    gboolean hold_out;
    long outs;                     /* OUT transfers seen */

    UMockdevIoctlBase *handler;
    int master, slave;             /* readiness pty */
    gboolean ready;
    gboolean gone, removed;
    GMutex lock;
    GQueue urbs;                   /* Urb*, submission order */
    UMockdevIoctlClient *parked;   /* a blocking REAPURB waiting for a URB */
} Device;

static UMockdevTestbed *testbed;
static GMainContext *worker_ctx;   /* the testbed's handler thread, learned on first ioctl */
static GMutex worker_ctx_lock;
static GPtrArray *devices;
static GPtrArray *logs;
static GMutex log_lock;
static GMainLoop *loop;
static GPid child_pid;
static int child_status = -1;

static void die(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("usb-mock: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ---------------------------------------------------------------- logging */

static void log_event(Device *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void log_event(Device *d, const char *fmt, ...) {
    if (!d->log) return;
    va_list ap;
    va_start(ap, fmt);
    g_mutex_lock(&log_lock);
    if (d->log_prefix) fprintf(d->log->file, "%s ", d->busdev);
    vfprintf(d->log->file, fmt, ap);
    fputc('\n', d->log->file);
    fflush(d->log->file);
    g_mutex_unlock(&log_lock);
    va_end(ap);
}

static char *hex(const guint8 *p, size_t n) {
    char *s = g_malloc(n * 2 + 1);
    for (size_t i = 0; i < n; i++) sprintf(s + 2 * i, "%02x", p[i]);
    s[n * 2] = 0;
    return s;
}

/* ---------------------------------------------------- description parsing */

static GByteArray *parse_hex(const char *s) {
    GByteArray *a = g_byte_array_new();
    size_t n = strlen(s);
    for (size_t i = 0; i + 1 < n; i += 2) {
        char b[3] = {s[i], s[i + 1], 0};
        char *end;
        guint8 v = (guint8)strtoul(b, &end, 16);
        if (*end) break;
        g_byte_array_append(a, &v, 1);
    }
    return a;
}

static char *unescape_attr(const char *v) {
    /* umockdev A: values escape \ as \\ and newline as \n; drop a trailing newline */
    GString *s = g_string_new(NULL);
    for (const char *p = v; *p; p++) {
        if (*p == '\\' && p[1] == 'n') { g_string_append_c(s, '\n'); p++; }
        else if (*p == '\\' && p[1] == '\\') { g_string_append_c(s, '\\'); p++; }
        else g_string_append_c(s, *p);
    }
    while (s->len && s->str[s->len - 1] == '\n') g_string_truncate(s, s->len - 1);
    return g_string_free(s, FALSE);
}

static void parse_description(Device *d) {
    char *text;
    GError *err = NULL;
    if (!g_file_get_contents(d->file, &text, NULL, &err)) die("cannot read %s: %s", d->file, err->message);
    char **lines = g_strsplit(text, "\n", -1);
    GByteArray *node_contents = NULL;
    char *first_node = NULL;
    char *speed = NULL;
    for (char **l = lines; *l; l++) {
        const char *line = *l;
        if (g_str_has_prefix(line, "P: ") && !d->syspath) d->syspath = g_strconcat("/sys", line + 3, NULL);
        else if (g_str_has_prefix(line, "N: bus/usb/") && !first_node) {
            const char *eq = strchr(line, '=');
            first_node = g_strndup(line + 3, eq ? (size_t)(eq - line - 3) : strlen(line + 3));
            if (eq) node_contents = parse_hex(eq + 1);
        } else if (g_str_has_prefix(line, "H: descriptors=") && !d->desc)
            d->desc = parse_hex(line + strlen("H: descriptors="));
        else if (g_str_has_prefix(line, "A: manufacturer=")) d->manufacturer = unescape_attr(line + 16);
        else if (g_str_has_prefix(line, "A: product=")) d->product = unescape_attr(line + 11);
        else if (g_str_has_prefix(line, "A: serial=")) d->serial = unescape_attr(line + 10);
        else if (g_str_has_prefix(line, "A: speed=")) speed = unescape_attr(line + 9);
    }
    g_strfreev(lines);
    g_free(text);
    if (!d->syspath) die("%s: no 'P:' line", d->file);
    if (!d->desc) d->desc = node_contents; else if (node_contents) g_byte_array_unref(node_contents);
    if (!d->desc || d->desc->len < 18 + 9) die("%s: no descriptors (H: descriptors= or N: ...=hex)", d->file);
    if (!d->node) {
        if (!first_node) die("%s: no 'N: bus/usb/...' node; give --node", d->file);
        d->node = g_strconcat("/dev/", first_node, NULL);
    }
    g_free(first_node);
    if (!g_str_has_prefix(d->node, "/dev/bus/usb/") || strlen(d->node) != strlen("/dev/bus/usb/001/002"))
        die("%s: node %s is not /dev/bus/usb/BBB/DDD", d->file, d->node);
    g_strlcpy(d->busdev, d->node + strlen("/dev/bus/usb/"), sizeof d->busdev);
    d->speed = 2;
    if (speed) {
        if (!strcmp(speed, "1.5")) d->speed = 1;
        else if (!strcmp(speed, "480")) d->speed = 3;
        else if (!strcmp(speed, "5000")) d->speed = 5;
        g_free(speed);
    }

    /* walk the configuration descriptor: interfaces, alt settings, endpoints */
    const guint8 *b = d->desc->data;
    guint len = d->desc->len;
    guint total = b[18 + 2] | (b[18 + 3] << 8);
    if (18 + total > len) total = len - 18;
    d->config = b[18 + 5];
    AltSetting *cur = NULL;
    for (guint off = 18; off + 2 <= 18 + total && b[off] >= 2; off += b[off]) {
        if (b[off + 1] == 4 && off + 9 <= len && d->n_alts < (int)G_N_ELEMENTS(d->alts)) {
            cur = &d->alts[d->n_alts++];
            cur->iface = b[off + 2];
            cur->alt = b[off + 3];
            cur->n_eps = 0;
        } else if (b[off + 1] == 5 && cur && off + 7 <= len && cur->n_eps < MAX_EPS) {
            cur->ep_addr[cur->n_eps] = b[off + 2];
            cur->ep_type[cur->n_eps] = b[off + 3] & 3;
            cur->n_eps++;
        }
    }
}

/* --------------------------------------------------------- descriptor help */

static gboolean has_iface(Device *d, unsigned iface, int alt) {
    for (int i = 0; i < d->n_alts; i++)
        if (d->alts[i].iface == iface && (alt < 0 || d->alts[i].alt == alt)) return TRUE;
    return FALSE;
}

/* The endpoint's transfer type (0 control, 1 iso, 2 bulk, 3 interrupt) in the current
 * alt settings, or -1 if no interface has it. */
static int ep_type(Device *d, guint8 ep) {
    for (int i = 0; i < d->n_alts; i++) {
        AltSetting *a = &d->alts[i];
        if (a->iface >= MAX_IFACES || d->cur_alt[a->iface] != a->alt) continue;
        for (int e = 0; e < a->n_eps; e++)
            if (a->ep_addr[e] == ep) return a->ep_type[e];
    }
    return -1;
}

/* A string descriptor as UTF-16LE, or NULL. */
static GByteArray *string_descriptor(Device *d, guint8 index) {
    GByteArray *out = g_byte_array_new();
    guint8 head[2] = {0, 3};
    g_byte_array_append(out, head, 2);
    if (index == 0) {
        guint8 lang[2] = {0x09, 0x04};
        g_byte_array_append(out, lang, 2);
    } else {
        const guint8 *dev = d->desc->data;
        const char *s = NULL;
        if (index == dev[14]) s = d->manufacturer;
        else if (index == dev[15]) s = d->product;
        else if (index == dev[16]) s = d->serial;
        if (!s) { g_byte_array_unref(out); return NULL; }
        glong n = 0;
        gunichar2 *u = g_utf8_to_utf16(s, -1, NULL, &n, NULL);
        if (!u) { g_byte_array_unref(out); return NULL; }
        for (glong i = 0; i < n && out->len + 2 <= 254; i++) {
            guint8 c[2] = {u[i] & 0xff, u[i] >> 8};
            g_byte_array_append(out, c, 2);
        }
        g_free(u);
    }
    out->data[0] = (guint8)out->len;
    return out;
}

/*
 * Answer a standard request. Returns the number of bytes put in data (IN), 0 for
 * an OUT request, or -EPIPE for a stall.
 */
static int standard_request(Device *d, const guint8 *setup, guint8 *data, int cap) {
    guint8 rt = setup[0], rq = setup[1];
    guint16 value = setup[2] | (setup[3] << 8), index = setup[4] | (setup[5] << 8);
    guint16 length = setup[6] | (setup[7] << 8);
    int room = MIN((int)length, cap);
    const guint8 *src = NULL;
    int n = 0;
    GByteArray *tmp = NULL;
    guint8 small[2] = {0, 0};

    if (rt & 0x80) {
        switch (rq) {
        case 0x06: { /* GET_DESCRIPTOR */
            guint8 type = value >> 8, idx = value & 0xff;
            if (type == 1) { src = d->desc->data; n = 18; }
            else if (type == 2 && idx == 0) {
                src = d->desc->data + 18;
                n = d->desc->data[18 + 2] | (d->desc->data[18 + 3] << 8);
                if (n > (int)d->desc->len - 18) n = d->desc->len - 18;
            } else if (type == 3 && (tmp = string_descriptor(d, idx))) { src = tmp->data; n = tmp->len; }
            else return -EPIPE;
            break;
        }
        case 0x00: src = small; n = 2; break;                             /* GET_STATUS */
        case 0x08: small[0] = (guint8)d->config; src = small; n = 1; break; /* GET_CONFIGURATION */
        case 0x0a:                                                         /* GET_INTERFACE */
            if (index >= MAX_IFACES || !has_iface(d, index, -1)) return -EPIPE;
            small[0] = d->cur_alt[index]; src = small; n = 1; break;
        default: return -EPIPE;
        }
        n = MIN(n, room);
        if (n > 0) memcpy(data, src, n);
        if (tmp) g_byte_array_unref(tmp);
        return n;
    }
    switch (rq) {
    case 0x09: d->config = value; return 0;                                  /* SET_CONFIGURATION */
    case 0x0b:                                                               /* SET_INTERFACE */
        if (index >= MAX_IFACES || !has_iface(d, index, value)) return -EPIPE;
        d->cur_alt[index] = value; return 0;
    case 0x01: case 0x03: return 0;                                          /* CLEAR/SET_FEATURE */
    default: return -EPIPE;
    }
}

/* -------------------------------------------------------------- readiness */

/* Make the client's fd report POLLOUT (a URB can be reaped) or not. Called with d->lock. */
static void set_ready(Device *d, gboolean ready) {
    if (d->master < 0 || d->ready == ready) return;
    char c = ready ? 0x11 : 0x13; /* ^Q starts, ^S stops the slave's output */
    if (write(d->master, &c, 1) != 1) { fprintf(stderr, "usb-mock: pty write: %m\n"); return; }
    d->ready = ready;
    /* the line discipline handles the byte asynchronously; wait until it took effect */
    for (int i = 0; i < 20000; i++) {
        struct pollfd p = {.fd = d->slave, .events = POLLOUT};
        if (poll(&p, 1, 0) >= 0 && (!!(p.revents & POLLOUT)) == ready) return;
        if (i < 500) sched_yield(); else g_usleep(10); /* it usually takes a few microseconds */
    }
    fprintf(stderr, "usb-mock: %s: readiness did not change\n", d->node);
}

static gboolean urb_reapable(Device *d, Urb *r, UMockdevIoctlClient *client) {
    if (client && r->client != client) return FALSE;
    if (r->done || d->gone) return TRUE;
    return d->bridge_in->len > 0 && !r->is_out && r->ep_type == USBDEVFS_URB_TYPE_BULK;
}

static void update_ready(Device *d) {
    gboolean ready = FALSE;
    for (GList *l = d->urbs.head; l && !ready; l = l->next)
        ready = urb_reapable(d, l->data, NULL);
    set_ready(d, ready);
}

/* ------------------------------------------------------------------- URBs */

static void urb_free(Urb *r) {
    g_object_unref(r->data);
    g_object_unref(r->client);
    g_free(r);
}

static void urb_finish(Urb *r, int status, int actual) {
    r->u->status = status;
    r->u->actual_length = actual;
    r->done = TRUE;
}

/* Take the next reapable URB of this client off the queue, finishing it. Called with d->lock. */
static Urb *take_reapable(Device *d, UMockdevIoctlClient *client) {
    Urb *found = NULL;
    /* completed ones first, in submission order */
    for (GList *l = d->urbs.head; l; l = l->next) {
        Urb *r = l->data;
        if (r->client == client && r->done) { found = r; g_queue_delete_link(&d->urbs, l); break; }
    }
    if (!found && d->gone) {
        for (GList *l = d->urbs.head; l; l = l->next) {
            Urb *r = l->data;
            if (r->client == client) {
                found = r;
                g_queue_delete_link(&d->urbs, l);
                urb_finish(r, -ENODEV, 0);
                break;
            }
        }
    }
    if (!found && d->bridge_in->len > 0) {
        for (GList *l = d->urbs.head; l; l = l->next) {
            Urb *r = l->data;
            if (urb_reapable(d, r, client)) {
                int n = MIN((int)d->bridge_in->len, r->u->buffer_length);
                memcpy(r->buf, d->bridge_in->data, n);
                g_byte_array_remove_range(d->bridge_in, 0, n);
                urb_finish(r, 0, n);
                found = r;
                g_queue_delete_link(&d->urbs, l);
                break;
            }
        }
    }
    return found;
}

/* Hand a finished URB to a REAPURB(NDELAY) ioctl: point the client's void* at it. */
static void reap_into(UMockdevIoctlClient *client, Urb *r) {
    GError *err = NULL;
    UMockdevIoctlData *ptr = umockdev_ioctl_data_resolve(umockdev_ioctl_client_get_arg(client), 0, sizeof(void *), &err);
    if (!ptr) {
        fprintf(stderr, "usb-mock: reap: %s\n", err ? err->message : "bad pointer");
        g_clear_error(&err);
        umockdev_ioctl_client_complete(client, -1, EFAULT);
        urb_free(r);
        return;
    }
    umockdev_ioctl_data_set_ptr(ptr, 0, r->data);
    g_object_unref(ptr);
    umockdev_ioctl_client_complete(client, 0, 0);
    urb_free(r);
}

static void unplug(Device *d);

/* Count an OUT transfer that completed; unplug after the Nth if asked. Called with d->lock. */
static void out_completed(Device *d, gboolean *unplug_now) {
    d->outs++;
    if (d->unplug_after_out > 0 && d->outs == d->unplug_after_out) *unplug_now = TRUE;
}

/* The status an OUT transfer gets now: 0, -EPIPE (stall), or 1 = hold it. d->lock held. */
static int out_fate(Device *d) {
    if (d->hold_out) return 1;
    if (d->stall_after_out >= 0 && d->outs >= d->stall_after_out) return -EPIPE;
    return 0;
}

/* A blocking REAPURB waits in d->parked; give it a URB if one is ready now. d->lock held. */
static void serve_parked(Device *d) {
    if (!d->parked) return;
    Urb *r = take_reapable(d, d->parked);
    if (!r && !d->gone) return;
    UMockdevIoctlClient *c = d->parked;
    d->parked = NULL;
    if (r) reap_into(c, r);
    else umockdev_ioctl_client_complete(c, -1, ENODEV);
    g_object_unref(c);
}

static gboolean serve_parked_cb(gpointer data) {
    Device *d = data;
    g_mutex_lock(&d->lock);
    serve_parked(d);
    update_ready(d);
    g_mutex_unlock(&d->lock);
    return G_SOURCE_REMOVE;
}

static void kick_worker(Device *d) {
    g_mutex_lock(&worker_ctx_lock);
    if (worker_ctx) g_main_context_invoke(worker_ctx, serve_parked_cb, d);
    g_mutex_unlock(&worker_ctx_lock);
}

/* Handle the control transfer in setup+data; fill data for IN. Returns bytes, 0, or -errno.
 * *hold is set when the transfer must not complete. d->lock held. */
static int control_transfer(Device *d, const guint8 *setup, guint8 *data, int cap, gboolean *hold, gboolean *unplug_now) {
    guint8 rt = setup[0];
    guint16 length = setup[6] | (setup[7] << 8);
    gboolean in = rt & 0x80;
    int out_n = in ? 0 : MIN((int)length, cap);
    char *dh = out_n > 0 ? hex(data, out_n) : NULL;
    *hold = FALSE;
    if ((rt & 0x60) == 0) {
        log_event(d, "std control %02x %02x %02x%02x %02x%02x %02x%02x%s%s", setup[0], setup[1], setup[3], setup[2],
                  setup[5], setup[4], setup[7], setup[6], dh ? " " : "", dh ? dh : "");
        g_free(dh);
        return standard_request(d, setup, data, cap);
    }
    log_event(d, "control %02x %02x %02x%02x %02x%02x %02x%02x%s%s", setup[0], setup[1], setup[3], setup[2],
              setup[5], setup[4], setup[7], setup[6], dh ? " " : "", dh ? dh : "");
    g_free(dh);
    if (in) {
        /* a vendor/class IN request: answered with no data */
        return 0;
    }
    int fate = out_fate(d);
    if (fate == 1) { *hold = TRUE; return 0; }
    if (fate < 0) return fate;
    out_completed(d, unplug_now);
    return 0;
}

/* ------------------------------------------------------------ the handler */

static gboolean held_control_timeout(gpointer data) {
    UMockdevIoctlClient *c = data;
    umockdev_ioctl_client_complete(c, -1, ETIMEDOUT);
    g_object_unref(c);
    return G_SOURCE_REMOVE;
}

static gboolean on_ioctl(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data) {
    (void)handler;
    Device *d = user_data;
    gulong request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(client);
    GError *err = NULL;
    long ret = 0;
    int error = 0;
    gboolean unplug_now = FALSE;

    g_mutex_lock(&worker_ctx_lock);
    if (!worker_ctx) worker_ctx = g_main_context_ref_thread_default();
    g_mutex_unlock(&worker_ctx_lock);

    g_mutex_lock(&d->lock);

    if (d->gone && request != USBDEVFS_REAPURB && request != USBDEVFS_REAPURBNDELAY) {
        g_mutex_unlock(&d->lock);
        umockdev_ioctl_client_complete(client, -1, ENODEV);
        return TRUE;
    }

#define RESOLVE(len) umockdev_ioctl_data_resolve(arg, 0, (len), &err)
    switch (request) {
    case USBDEVFS_GET_CAPABILITIES: {
        UMockdevIoctlData *p = RESOLVE(sizeof(guint32));
        if (!p) { ret = -1; error = EFAULT; break; }
        *(guint32 *)p->data = USBDEVFS_CAP_ZERO_PACKET | USBDEVFS_CAP_BULK_CONTINUATION |
                              USBDEVFS_CAP_NO_PACKET_SIZE_LIM | USBDEVFS_CAP_REAP_AFTER_DISCONNECT;
        g_object_unref(p);
        break;
    }
    case USBDEVFS_GETDRIVER:
        ret = -1; error = ENODATA; /* no kernel driver bound */
        break;
    case USBDEVFS_IOCTL: {
        UMockdevIoctlData *p = RESOLVE(sizeof(struct usbdevfs_ioctl));
        if (!p) { ret = -1; error = EFAULT; break; }
        struct usbdevfs_ioctl *io = (void *)p->data;
        if (io->ioctl_code == (int)USBDEVFS_DISCONNECT) { ret = -1; error = ENODATA; }
        else if (io->ioctl_code == (int)USBDEVFS_CONNECT) ret = 0;
        else { ret = -1; error = ENOTTY; fprintf(stderr, "usb-mock: %s: USBDEVFS_IOCTL code 0x%x not emulated\n", d->node, io->ioctl_code); }
        g_object_unref(p);
        break;
    }
    case USBDEVFS_CLAIMINTERFACE:
    case USBDEVFS_RELEASEINTERFACE:
    case USBDEVFS_DISCONNECT_CLAIM: {
        UMockdevIoctlData *p = RESOLVE(request == USBDEVFS_DISCONNECT_CLAIM ? sizeof(struct usbdevfs_disconnect_claim) : sizeof(unsigned int));
        if (!p) { ret = -1; error = EFAULT; break; }
        unsigned int iface = *(unsigned int *)p->data;
        g_object_unref(p);
        if (iface >= MAX_IFACES || !has_iface(d, iface, -1)) { ret = -1; error = ENOENT; break; }
        if (request == USBDEVFS_RELEASEINTERFACE) {
            if (!(d->claimed & (1u << iface))) { ret = -1; error = EINVAL; break; }
            d->claimed &= ~(1u << iface);
            log_event(d, "release %u", iface);
        } else {
            d->claimed |= 1u << iface;
            log_event(d, "claim %u", iface);
        }
        break;
    }
    case USBDEVFS_SETINTERFACE: {
        UMockdevIoctlData *p = RESOLVE(sizeof(struct usbdevfs_setinterface));
        if (!p) { ret = -1; error = EFAULT; break; }
        struct usbdevfs_setinterface si = *(struct usbdevfs_setinterface *)p->data;
        g_object_unref(p);
        if (si.interface >= MAX_IFACES || !has_iface(d, si.interface, si.altsetting)) { ret = -1; error = EINVAL; break; }
        d->cur_alt[si.interface] = si.altsetting;
        log_event(d, "set-interface %u %u", si.interface, si.altsetting);
        break;
    }
    case USBDEVFS_SETCONFIGURATION: {
        UMockdevIoctlData *p = RESOLVE(sizeof(int));
        if (!p) { ret = -1; error = EFAULT; break; }
        d->config = *(int *)p->data;
        g_object_unref(p);
        log_event(d, "set-configuration %d", d->config);
        break;
    }
    case USBDEVFS_CLEAR_HALT: {
        UMockdevIoctlData *p = RESOLVE(sizeof(unsigned int));
        if (!p) { ret = -1; error = EFAULT; break; }
        unsigned int ep = *(unsigned int *)p->data;
        g_object_unref(p);
        if (ep_type(d, ep) < 0) { ret = -1; error = ENOENT; break; }
        log_event(d, "clear-halt %02x", ep);
        break;
    }
    case USBDEVFS_RESET:
        log_event(d, "reset");
        break;
    case USBDEVFS_GET_SPEED:
        ret = d->speed;
        break;
    case USBDEVFS_CONTROL: {
        UMockdevIoctlData *p = RESOLVE(sizeof(struct usbdevfs_ctrltransfer));
        if (!p) { ret = -1; error = EFAULT; break; }
        struct usbdevfs_ctrltransfer *ct = (void *)p->data;
        guint8 setup[8] = {ct->bRequestType, ct->bRequest, ct->wValue & 0xff, ct->wValue >> 8,
                           ct->wIndex & 0xff, ct->wIndex >> 8, ct->wLength & 0xff, ct->wLength >> 8};
        UMockdevIoctlData *buf = NULL;
        if (ct->wLength > 0) {
            buf = umockdev_ioctl_data_resolve(p, offsetof(struct usbdevfs_ctrltransfer, data), ct->wLength, &err);
            if (!buf) { g_object_unref(p); ret = -1; error = EFAULT; break; }
        }
        gboolean hold;
        guint32 timeout = ct->timeout;
        int r = control_transfer(d, setup, buf ? buf->data : NULL, buf ? buf->data_len : 0, &hold, &unplug_now);
        if (buf) g_object_unref(buf);
        g_object_unref(p);
        if (hold) {
            g_mutex_unlock(&d->lock);
            if (timeout > 0) {
                GSource *s = g_timeout_source_new(timeout);
                g_source_set_callback(s, held_control_timeout, g_object_ref(client), NULL);
                g_source_attach(s, g_main_context_get_thread_default());
                g_source_unref(s);
            } else {
                g_object_ref(client); /* held for good */
            }
            return TRUE;
        }
        if (r < 0) { ret = -1; error = -r; } else ret = r;
        break;
    }
    case USBDEVFS_SUBMITURB: {
        UMockdevIoctlData *ud = RESOLVE(sizeof(struct usbdevfs_urb));
        if (!ud) { ret = -1; error = EFAULT; break; }
        struct usbdevfs_urb *u = (void *)ud->data;
        UMockdevIoctlData *bd = NULL;
        if (u->type == USBDEVFS_URB_TYPE_ISO || u->buffer_length < 0) { g_object_unref(ud); ret = -1; error = EINVAL; break; }
        if (u->buffer_length > 0) {
            bd = umockdev_ioctl_data_resolve(ud, offsetof(struct usbdevfs_urb, buffer), u->buffer_length, &err);
            if (!bd) { g_object_unref(ud); ret = -1; error = EFAULT; break; }
        }
        Urb *r = g_new0(Urb, 1);
        r->client = g_object_ref(client);
        r->data = ud;
        r->u = u;
        r->buf = bd ? bd->data : NULL;
        if (bd) g_object_unref(bd); /* ud keeps it */
        u->status = 0;
        u->actual_length = 0;
        if (u->type == USBDEVFS_URB_TYPE_CONTROL) {
            if (u->buffer_length < 8 || (u->endpoint & 0x7f) != 0) { urb_free(r); ret = -1; error = EINVAL; break; }
            r->ep_type = USBDEVFS_URB_TYPE_CONTROL;
            r->is_out = !(r->buf[0] & 0x80);
            gboolean hold;
            int res = control_transfer(d, r->buf, r->buf + 8, u->buffer_length - 8, &hold, &unplug_now);
            if (!hold) urb_finish(r, res < 0 ? res : 0, res < 0 ? 0 : (r->is_out ? (r->buf[6] | (r->buf[7] << 8)) : res));
        } else {
            int t = ep_type(d, u->endpoint);
            if (t < 0) { urb_free(r); ret = -1; error = ENOENT; break; }
            if (t == 0 || t == 1 || (u->type == USBDEVFS_URB_TYPE_INTERRUPT && t != 3)) { urb_free(r); ret = -1; error = EINVAL; break; }
            r->ep_type = t == 3 ? USBDEVFS_URB_TYPE_INTERRUPT : USBDEVFS_URB_TYPE_BULK;
            r->is_out = !(u->endpoint & 0x80);
            if (r->is_out) {
                char *dh = hex(r->buf, u->buffer_length);
                log_event(d, "%s %02x %s", t == 3 ? "interrupt-out" : "bulk-out", u->endpoint, dh);
                g_free(dh);
                int fate = out_fate(d);
                if (fate != 1) {
                    if (fate == 0 && d->bridge_fd >= 0 && t == 2) {
                        for (int done = 0; done < u->buffer_length;) {
                            ssize_t w = write(d->bridge_fd, r->buf + done, u->buffer_length - done);
                            if (w > 0) done += w;
                            else if (w < 0 && errno == EAGAIN) { struct pollfd pf = {d->bridge_fd, POLLOUT, 0}; poll(&pf, 1, 100); }
                            else { fprintf(stderr, "usb-mock: bridge write: %m\n"); break; }
                        }
                    }
                    urb_finish(r, fate, fate == 0 ? u->buffer_length : 0);
                    if (fate == 0) out_completed(d, &unplug_now);
                }
            }
        }
        g_queue_push_tail(&d->urbs, r);
        break;
    }
    case USBDEVFS_REAPURB:
    case USBDEVFS_REAPURBNDELAY: {
        Urb *r = take_reapable(d, client);
        if (r) {
            update_ready(d);
            g_mutex_unlock(&d->lock);
            reap_into(client, r);
            return TRUE;
        }
        if (d->gone) { ret = -1; error = ENODEV; break; }
        if (request == USBDEVFS_REAPURBNDELAY) { ret = -1; error = EAGAIN; break; }
        if (d->parked) { ret = -1; error = EBUSY; break; }
        d->parked = g_object_ref(client);
        update_ready(d);
        g_mutex_unlock(&d->lock);
        return TRUE;
    }
    case USBDEVFS_DISCARDURB: {
        gulong addr = *(gulong *)arg->data;
        Urb *found = NULL;
        for (GList *l = d->urbs.head; l; l = l->next) {
            Urb *r = l->data;
            if (r->client == client && r->data->client_addr == addr) { found = r; break; }
        }
        if (!found || found->done) { ret = -1; error = EINVAL; break; }
        log_event(d, "discard %02x", found->u->endpoint);
        urb_finish(found, -ENOENT, 0);
        break;
    }
    default:
        fprintf(stderr, "usb-mock: %s: ioctl 0x%lx not emulated (ENOTTY)\n", d->node, request);
        ret = -1;
        error = ENOTTY;
        break;
    }
#undef RESOLVE
    if (err) {
        fprintf(stderr, "usb-mock: %s: ioctl 0x%lx: %s\n", d->node, request, err->message);
        g_clear_error(&err);
    }
    serve_parked(d);
    update_ready(d);
    g_mutex_unlock(&d->lock);
    umockdev_ioctl_client_complete(client, ret, error);
    if (unplug_now) unplug(d);
    return TRUE;
}

static void on_client_gone(GObject *obj, GParamSpec *pspec, gpointer user_data) {
    (void)pspec;
    Device *d = user_data;
    UMockdevIoctlClient *client = UMOCKDEV_IOCTL_CLIENT(obj);
    if (umockdev_ioctl_client_get_connected(client)) return;
    g_mutex_lock(&d->lock);
    for (GList *l = d->urbs.head; l;) {
        GList *next = l->next;
        Urb *r = l->data;
        if (r->client == client) { g_queue_delete_link(&d->urbs, l); urb_free(r); }
        l = next;
    }
    update_ready(d);
    g_mutex_unlock(&d->lock);
}

static void on_client_connected(UMockdevIoctlBase *handler, UMockdevIoctlClient *client, gpointer user_data) {
    (void)handler;
    g_signal_connect(client, "notify::connected", G_CALLBACK(on_client_gone), user_data);
}

/* ----------------------------------------------------------------- unplug */

/*
 * umockdev_testbed_uevent() resolves the device with libudev, which only sees the
 * testbed from a process under the preload library; usb-mock is not (it must reach
 * the real /dev/ptmx and the bridge), so it fails with "No such device". This sends
 * the same message umockdev's uevent sender does, to every emulated netlink socket
 * ($UMOCKDEV_DIR/event<N>, made by the preloaded clients' udev monitors): a libudev
 * monitor header (magic, subsystem/devtype hashes for the socket filter) followed
 * by ACTION, DEVPATH, SUBSYSTEM, SEQNUM and the device's uevent properties.
 */
struct monitor_header {
    char prefix[8];
    guint32 magic, header_size, properties_off, properties_len;
    guint32 filter_subsystem_hash, filter_devtype_hash, filter_tag_bloom_hi, filter_tag_bloom_lo;
};

static guint32 murmur2(const char *str) { /* MurmurHash2 with seed = length, as libudev uses */
    const guint32 m = 0x5bd1e995;
    size_t len = strlen(str);
    guint32 h = (guint32)len;
    const guint8 *p = (const guint8 *)str;
    for (; len >= 4; p += 4, len -= 4) {
        guint32 k;
        memcpy(&k, p, 4);
        k *= m; k ^= k >> 24; k *= m;
        h *= m; h ^= k;
    }
    switch (len) {
    case 3: h ^= p[2] << 16; /* fall through */
    case 2: h ^= p[1] << 8;  /* fall through */
    case 1: h ^= p[0]; h *= m;
    }
    h ^= h >> 13; h *= m; h ^= h >> 15;
    return h;
}

static void send_uevent(Device *d, const char *action) {
    static guint64 seqnum = 1000;
    char *root = umockdev_testbed_get_root_dir(testbed);
    char *uevent_file = g_strconcat(root, d->syspath, "/uevent", NULL);
    char *props = NULL;
    g_file_get_contents(uevent_file, &props, NULL, NULL);
    GString *body = g_string_new(NULL);
    g_string_append_printf(body, "ACTION=%s%cDEVPATH=%s%cSUBSYSTEM=usb%cSEQNUM=%" G_GUINT64_FORMAT "%c", action, 0,
                           d->syspath + strlen("/sys"), 0, 0, ++seqnum, 0);
    if (props) {
        char **lines = g_strsplit(props, "\n", -1);
        for (char **l = lines; *l; l++)
            if (**l) { g_string_append(body, *l); g_string_append_c(body, 0); }
        g_strfreev(lines);
    }
    struct monitor_header h = {.prefix = "libudev"};
    h.magic = g_htonl(0xfeedcafe);
    h.header_size = sizeof h;
    h.properties_off = sizeof h;
    h.properties_len = body->len;
    h.filter_subsystem_hash = g_htonl(murmur2("usb"));
    h.filter_devtype_hash = g_htonl(murmur2("usb_device"));
    struct iovec iov[2] = {{&h, sizeof h}, {body->str, body->len}};

    GDir *dir = g_dir_open(root, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir))) {
        if (!g_str_has_prefix(name, "event") || !g_ascii_isdigit(name[5])) continue;
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        g_snprintf(addr.sun_path, sizeof addr.sun_path, "%s/%s", root, name);
        int fd = socket(AF_UNIX, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) continue;
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
            struct msghdr msg = {.msg_name = &addr, .msg_namelen = sizeof addr, .msg_iov = iov, .msg_iovlen = 2};
            if (sendmsg(fd, &msg, 0) < 0) fprintf(stderr, "usb-mock: uevent to %s: %m\n", addr.sun_path);
        }
        close(fd);
    }
    if (dir) g_dir_close(dir);
    g_string_free(body, TRUE);
    g_free(props);
    g_free(uevent_file);
    g_free(root);
}

static gboolean remove_from_testbed(gpointer data) {
    Device *d = data;
    if (d->removed) return G_SOURCE_REMOVE;
    d->removed = TRUE;
    send_uevent(d, "remove");
    umockdev_testbed_remove_device(testbed, d->syspath);
    return G_SOURCE_REMOVE;
}

static void unplug(Device *d) {
    g_mutex_lock(&d->lock);
    if (d->gone) { g_mutex_unlock(&d->lock); return; }
    d->gone = TRUE;
    log_event(d, "unplugged");
    /* hang the slave up: the client's fd reports POLLERR|POLLHUP, like a gone usbfs fd */
    if (d->master >= 0) { close(d->master); d->master = -1; }
    g_mutex_unlock(&d->lock);
    kick_worker(d);
    g_main_context_invoke(NULL, remove_from_testbed, d);
}

/* ----------------------------------------------------------------- bridge */

static gboolean on_bridge(gint fd, GIOCondition cond, gpointer user_data) {
    Device *d = user_data;
    guint8 buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
        g_mutex_lock(&d->lock);
        g_byte_array_append(d->bridge_in, buf, n);
        update_ready(d);
        gboolean parked = d->parked != NULL;
        g_mutex_unlock(&d->lock);
        if (parked) kick_worker(d);
        return G_SOURCE_CONTINUE;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return G_SOURCE_CONTINUE;
    if (cond & (G_IO_HUP | G_IO_ERR) || n == 0 || n < 0) {
        fprintf(stderr, "usb-mock: %s: bridge %s closed\n", d->node, d->bridge_path);
        d->bridge_watch = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static void open_bridge(Device *d) {
    for (int i = 0; i < 200 && access(d->bridge_path, F_OK) != 0; i++) g_usleep(50000);
    d->bridge_fd = open(d->bridge_path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (d->bridge_fd < 0) die("cannot open bridge %s: %m", d->bridge_path);
    struct termios t;
    if (tcgetattr(d->bridge_fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(d->bridge_fd, TCSANOW, &t);
    }
    d->bridge_watch = g_unix_fd_add(d->bridge_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_bridge, d);
}

/* ------------------------------------------------------------------ setup */

static void setup_device(Device *d) {
    GError *err = NULL;
    if (!umockdev_testbed_add_from_file(testbed, d->file, &err)) die("cannot add %s: %s", d->file, err->message);

    /* replace the node (a regular file, always "ready") by a pty slave we can gate */
    char name[256];
    if (openpty(&d->master, &d->slave, name, NULL, NULL) < 0) die("openpty: %m");
    fcntl(d->master, F_SETFD, FD_CLOEXEC);
    fcntl(d->slave, F_SETFD, FD_CLOEXEC);
    struct termios t;
    tcgetattr(d->slave, &t);
    cfmakeraw(&t);
    t.c_iflag |= IXON;
    t.c_iflag &= ~IXANY;
    tcsetattr(d->slave, TCSANOW, &t);
    d->ready = TRUE;
    set_ready(d, FALSE);

    char *root = umockdev_testbed_get_root_dir(testbed);
    char *real = g_strconcat(root, d->node, NULL);
    g_free(root);
    struct stat st;
    if (lstat(real, &st) != 0) die("%s: node %s was not created by the description (N: line?)", d->file, d->node);
    if (unlink(real) != 0 || symlink(name, real) != 0) die("cannot replace %s: %m", real);
    g_free(real);

    d->handler = umockdev_ioctl_base_new();
    g_signal_connect(d->handler, "handle-ioctl", G_CALLBACK(on_ioctl), d);
    g_signal_connect(d->handler, "client-connected", G_CALLBACK(on_client_connected), d);
    if (!umockdev_testbed_attach_ioctl(testbed, d->node, d->handler, &err)) die("attach_ioctl %s: %s", d->node, err->message);
}

static gboolean on_usr1(gpointer data) {
    (void)data;
    for (guint i = 0; i < devices->len; i++) {
        Device *d = devices->pdata[i];
        if (!d->gone) { unplug(d); break; }
    }
    return G_SOURCE_CONTINUE;
}

static gboolean forward_signal(gpointer data) {
    int sig = GPOINTER_TO_INT(data);
    if (child_pid > 0) kill(child_pid, sig);
    return G_SOURCE_CONTINUE;
}

static void on_child(GPid pid, gint status, gpointer data) {
    (void)data;
    child_status = status;
    g_spawn_close_pid(pid);
    child_pid = 0;
    g_main_loop_quit(loop);
}

static void usage(void) {
    fputs("usage: usb-mock --device FILE.umockdev [--node /dev/bus/usb/BBB/DDD] [--log FILE]\n"
          "                [--bridge PATH] [--unplug-after-out N] [--stall-after-out N] [--hold-out]\n"
          "                [--device FILE2 [its options]]... -- COMMAND [ARGS...]\n",
          stderr);
    exit(2);
}

static long parse_count(const char *opt, const char *v) {
    char *end;
    long n = strtol(v, &end, 10);
    if (!*v || *end || n < 0) die("%s needs a count, got '%s'", opt, v);
    return n;
}

int main(int argc, char **argv) {
    /* A test runner may start us with signals blocked (the mask is inherited across
     * exec); the signals we forward and SIGUSR1 must reach us. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    devices = g_ptr_array_new();
    logs = g_ptr_array_new();
    int i = 1;
    Device *d = NULL;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) { i++; break; }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) usage();
        if (!strcmp(a, "--hold-out")) {
            if (!d) die("--hold-out must follow a --device");
            d->hold_out = TRUE;
            continue;
        }
        if (i + 1 >= argc) die("%s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--device")) {
            d = g_new0(Device, 1);
            d->index = devices->len;
            d->file = g_strdup(v);
            d->bridge_fd = -1;
            d->master = d->slave = -1;
            d->unplug_after_out = -1;
            d->stall_after_out = -1;
            d->bridge_in = g_byte_array_new();
            g_mutex_init(&d->lock);
            g_queue_init(&d->urbs);
            g_ptr_array_add(devices, d);
            continue;
        }
        if (!d) die("%s must follow a --device", a);
        if (!strcmp(a, "--node")) d->node = g_strdup(v);
        else if (!strcmp(a, "--log")) {
            LogFile *lf = NULL;
            for (guint k = 0; k < logs->len; k++)
                if (!strcmp(((LogFile *)logs->pdata[k])->path, v)) lf = logs->pdata[k];
            if (!lf) {
                lf = g_new0(LogFile, 1);
                lf->path = g_strdup(v);
                lf->file = fopen(v, "w");
                if (!lf->file) die("cannot write %s: %m", v);
                g_ptr_array_add(logs, lf);
            }
            lf->users++;
            d->log = lf;
        } else if (!strcmp(a, "--bridge")) d->bridge_path = g_strdup(v);
        else if (!strcmp(a, "--unplug-after-out")) d->unplug_after_out = parse_count(a, v);
        else if (!strcmp(a, "--stall-after-out")) d->stall_after_out = parse_count(a, v);
        else die("unknown option %s", a);
    }
    if (devices->len == 0 || i >= argc) usage();
    char **command = argv + i;

    for (guint k = 0; k < devices->len; k++) {
        Device *dv = devices->pdata[k];
        parse_description(dv);
        dv->log_prefix = dv->log && dv->log->users > 1;
        for (guint j = 0; j < k; j++)
            if (!strcmp(((Device *)devices->pdata[j])->node, dv->node)) die("two devices on %s", dv->node);
    }

    signal(SIGPIPE, SIG_IGN);
    testbed = umockdev_testbed_new(); /* sets UMOCKDEV_DIR in our environment */
    for (guint k = 0; k < devices->len; k++) setup_device(devices->pdata[k]);
    for (guint k = 0; k < devices->len; k++) {
        Device *dv = devices->pdata[k];
        if (dv->bridge_path) open_bridge(dv);
    }

    char **env = g_get_environ();
    const char *preload = g_environ_getenv(env, "LD_PRELOAD");
    char *newpreload = preload && *preload ? g_strconcat(preload, ":libumockdev-preload.so.0", NULL)
                                           : g_strdup("libumockdev-preload.so.0");
    env = g_environ_setenv(env, "LD_PRELOAD", newpreload, TRUE);
    char *root = umockdev_testbed_get_root_dir(testbed);
    env = g_environ_setenv(env, "UMOCKDEV_DIR", root, TRUE);
    g_free(root);
    g_free(newpreload);

    loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGUSR1, on_usr1, NULL);
    g_unix_signal_add(SIGTERM, forward_signal, GINT_TO_POINTER(SIGTERM));
    g_unix_signal_add(SIGINT, forward_signal, GINT_TO_POINTER(SIGINT));
    g_unix_signal_add(SIGHUP, forward_signal, GINT_TO_POINTER(SIGHUP));

    fputs("usb-mock: ready\n", stderr);
    fflush(stderr);

    GError *err = NULL;
    if (!g_spawn_async(NULL, command, env,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN,
                       NULL, NULL, &child_pid, &err))
        die("cannot run %s: %s", command[0], err->message);
    g_strfreev(env);
    g_child_watch_add(child_pid, on_child, NULL);
    g_main_loop_run(loop);

    for (guint k = 0; k < logs->len; k++) fclose(((LogFile *)logs->pdata[k])->file);
    /* removes the testbed's temporary directory */
    g_clear_object(&testbed);

    if (WIFEXITED(child_status)) return WEXITSTATUS(child_status);
    if (WIFSIGNALED(child_status)) return 128 + WTERMSIG(child_status);
    return 1;
}
