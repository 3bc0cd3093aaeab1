/*
 * qmpload: a QMP load client outside the JVM, for measuring vdm beside QEMU with the same client.
 * C11 and libc (POSIX sockets, pthreads) only: gcc -O2 -std=c11 -pthread -o qmpload qmpload.c
 *
 *   qmpload lockstep  PATH N            one connection, one query-version at a time; ops/s and latency percentiles
 *   qmpload pipelined PATH N DEPTH      one connection, DEPTH requests in flight; ops/s
 *   qmpload clients   PATH N C [DEPTH]  C connections, one thread each, each pipelined (DEPTH, 64); total ops/s
 *   qmpload connect   PATH N            N fresh connections: greeting, qmp_capabilities, query-version, close
 *   qmpload libxl     DIR DOMID HOSTADDR N [POLL_MS]
 *                                       libxl's attach/detach conversation N times on DIR/qmp-libxl-DOMID
 *   qmpload raw       PATH JSON         negotiate, send one command, print its reply (exit 1 on an error reply)
 *
 * Every measuring mode but clients first runs a warm-up of N/5 operations (not counted), as JMH warms up first.
 * Results are printed as one line of key=value pairs. Any error reply prints its desc and exits 1.
 * JSON handling is minimal (members found by walking the text), enough for a load client.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static _Noreturn void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("qmpload: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000u + (uint64_t) t.tv_nsec;
}

/* ---- minimal JSON walking: pointers into one message [p, e) ---- */

static const char *ws(const char *p, const char *e) {
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

static const char *skip_string(const char *p, const char *e) { /* p at '"' */
    for (p++; p < e; p++) {
        if (*p == '\\') p++;
        else if (*p == '"') return p + 1;
    }
    return NULL;
}

static const char *skip_value(const char *p, const char *e) {
    p = ws(p, e);
    if (p >= e) return NULL;
    if (*p == '"') return skip_string(p, e);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; p < e; p++) {
            if (*p == '"') {
                p = skip_string(p, e);
                if (!p) return NULL;
                p--;
            } else if (*p == '{' || *p == '[') depth++;
            else if (*p == '}' || *p == ']') {
                if (--depth == 0) return p + 1;
            }
        }
        return NULL;
    }
    while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\r' && *p != '\n') p++;
    return p;
}

/* The value of member `key` of the object at p, or NULL (not an object, or no such member). */
static const char *member(const char *p, const char *e, const char *key) {
    size_t kl = strlen(key);
    p = ws(p, e);
    if (p >= e || *p != '{') return NULL;
    p = ws(p + 1, e);
    while (p < e && *p == '"') {
        const char *k = p + 1, *ke = skip_string(p, e);
        if (!ke) return NULL;
        p = ws(ke, e);
        if (p >= e || *p != ':') return NULL;
        p = ws(p + 1, e);
        if ((size_t) (ke - 1 - k) == kl && memcmp(k, key, kl) == 0) return p;
        p = ws(skip_value(p, e), e);
        if (!p || p >= e || *p != ',') return NULL;
        p = ws(p + 1, e);
    }
    return NULL;
}

/* Element i of the array at p, or NULL. */
static const char *element(const char *p, const char *e, int i) {
    p = ws(p, e);
    if (p >= e || *p != '[') return NULL;
    p = ws(p + 1, e);
    if (p < e && *p == ']') return NULL;
    for (int k = 0; p && p < e; k++) {
        if (k == i) return p;
        p = ws(skip_value(p, e), e);
        if (!p || p >= e || *p != ',') return NULL;
        p = ws(p + 1, e);
    }
    return NULL;
}

static int is_string(const char *v, const char *e, const char *s) {
    size_t l = strlen(s);
    return v && v < e && *v == '"' && (size_t) (e - v) > l + 1 && memcmp(v + 1, s, l) == 0 && v[l + 1] == '"';
}

static int integer(const char *v, const char *e, long long *out) {
    if (!v || v >= e || !(*v == '-' || (*v >= '0' && *v <= '9'))) return 0;
    char tmp[32];
    size_t n = 0;
    while (v + n < e && n < sizeof tmp - 1 && (v[n] == '-' || (v[n] >= '0' && v[n] <= '9'))) n++;
    memcpy(tmp, v, n);
    tmp[n] = 0;
    *out = strtoll(tmp, NULL, 10);
    return 1;
}

/* ---- connections: a socket and a receive buffer split into messages ---- */

typedef struct {
    int fd;
    char *buf;
    size_t cap, start, end;
    const char *eom; /* "\n" (QEMU's replies end "\r\n": either works), or "\r\n" to frame as libxl does */
} conn;

static void conn_open(conn *c, const char *path, const char *eom) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) die("socket path too long: %s", path);
    strcpy(a.sun_path, path);
    c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) die("socket: %s", strerror(errno));
    if (connect(c->fd, (struct sockaddr *) &a, sizeof a) < 0) die("connect %s: %s", path, strerror(errno));
    if (!c->buf) {
        c->cap = 1 << 16;
        c->buf = malloc(c->cap);
        if (!c->buf) die("out of memory");
    }
    c->start = c->end = 0;
    c->eom = eom;
}

static void conn_close(conn *c) {
    close(c->fd);
    c->fd = -1;
}

static void send_all(conn *c, const char *s, size_t n) {
    while (n > 0) {
        ssize_t w = write(c->fd, s, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            die("write: %s", strerror(errno));
        }
        s += w;
        n -= (size_t) w;
    }
}

/* The next whole message (without its terminator), reading as needed; it stays valid until the next call. */
static void next_msg(conn *c, const char **m, const char **me) {
    size_t el = strlen(c->eom);
    for (;;) {
        char *hit = memmem(c->buf + c->start, c->end - c->start, c->eom, el);
        if (hit) {
            *m = c->buf + c->start;
            *me = hit;
            c->start = (size_t) (hit - c->buf) + el;
            return;
        }
        if (c->start > 0) {
            memmove(c->buf, c->buf + c->start, c->end - c->start);
            c->end -= c->start;
            c->start = 0;
        }
        if (c->end == c->cap) {
            c->cap *= 2;
            c->buf = realloc(c->buf, c->cap);
            if (!c->buf) die("out of memory");
        }
        ssize_t r = read(c->fd, c->buf + c->end, c->cap - c->end);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) die("read: %s", strerror(errno));
        if (r == 0) die("unexpected end of file from the server");
        c->end += (size_t) r;
    }
}

/* The next reply (events skipped); an error reply or an id other than `id` (when id >= 0) ends the program. */
static void reply(conn *c, long long id, const char *what, const char **ret, const char **me) {
    const char *m;
    for (;;) {
        next_msg(c, &m, me);
        if ((*ret = member(m, *me, "return"))) break;
        const char *err = member(m, *me, "error");
        if (err) {
            const char *d = member(err, *me, "desc");
            const char *de = d ? skip_value(d, *me) : NULL;
            die("%s: error reply: %.*s", what, d && de ? (int) (de - d) : (int) (*me - m), d && de ? d : m);
        }
        if (member(m, *me, "event")) continue;
        die("%s: unexpected message: %.*s", what, (int) (*me - m), m);
    }
    if (id >= 0) {
        long long got;
        if (!integer(member(m, *me, "id"), *me, &got)) die("%s: reply without an integer id: %.*s", what, (int) (*me - m), m);
        if (got != id) die("%s: reply id %lld, expected %lld", what, got, id);
    }
}

static void greeting(conn *c) {
    const char *m, *me;
    next_msg(c, &m, &me);
    if (!member(m, me, "QMP")) die("no greeting: %.*s", (int) (me - m), m);
}

static void negotiate(conn *c) {
    const char *r, *me;
    greeting(c);
    static const char caps[] = "{\"execute\":\"qmp_capabilities\"}\n";
    send_all(c, caps, sizeof caps - 1);
    reply(c, -1, "qmp_capabilities", &r, &me);
}

static size_t query_version(char *out, long long id) {
    return (size_t) sprintf(out, "{\"execute\":\"query-version\",\"id\":%lld}\n", id);
}

static void round_trip(conn *c, long long id) {
    char req[96];
    const char *r, *me;
    send_all(c, req, query_version(req, id));
    reply(c, id, "query-version", &r, &me);
}

/* ---- generic modes ---- */

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
    return x < y ? -1 : x > y;
}

static void lockstep(const char *path, long n) {
    conn c = {0};
    conn_open(&c, path, "\n");
    negotiate(&c);
    long long id = 0;
    for (long i = 0; i < n / 5; i++) round_trip(&c, id++);
    uint64_t *lat = malloc(sizeof *lat * (size_t) n);
    if (!lat) die("out of memory");
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        uint64_t s = now_ns();
        round_trip(&c, id++);
        lat[i] = now_ns() - s;
    }
    double t = now_s() - t0;
    qsort(lat, (size_t) n, sizeof *lat, cmp_u64);
    printf("ops_per_s=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f\n", n / t, lat[n / 2] / 1e3,
           lat[(size_t) (n * 0.99)] / 1e3, lat[(size_t) (n * 0.999)] / 1e3);
    conn_close(&c);
    free(c.buf);
    free(lat);
}

/* Sends `total` query-versions with at most `depth` unanswered; each batch of replies read is refilled in one write. */
static void pipeline(conn *c, long total, int depth, long long *id) {
    char *out = malloc((size_t) depth * 96);
    if (!out) die("out of memory");
    long sent = 0, done = 0;
    long long expect = *id;
    while (done < total) {
        size_t n = 0;
        while (sent < total && sent - done < depth) {
            n += query_version(out + n, (*id)++);
            sent++;
        }
        if (n) send_all(c, out, n);
        /* read at least one reply, then every reply already buffered */
        do {
            const char *r, *me;
            reply(c, expect++, "query-version", &r, &me);
            done++;
        } while (done < sent && memmem(c->buf + c->start, c->end - c->start, c->eom, 1));
    }
    free(out);
}

static void pipelined(const char *path, long n, int depth) {
    conn c = {0};
    conn_open(&c, path, "\n");
    negotiate(&c);
    long long id = 0;
    pipeline(&c, n / 5, depth, &id);
    double t0 = now_s();
    pipeline(&c, n, depth, &id);
    double t = now_s() - t0;
    printf("ops_per_s=%.0f\n", n / t);
    conn_close(&c);
    free(c.buf);
}

typedef struct {
    const char *path;
    long n;
    int depth;
} client_arg;

static void *client_thread(void *p) {
    client_arg *a = p;
    conn c = {0};
    long long id = 0;
    conn_open(&c, a->path, "\n");
    negotiate(&c);
    pipeline(&c, a->n, a->depth, &id);
    conn_close(&c);
    free(c.buf);
    return NULL;
}

/* C threads, each with its own connection; the clock runs from the first connect until the last client finishes,
 * with no warm-up of its own (run it after another mode has warmed the server up). QEMU's monitor chardev serves
 * one client at a time (the others wait in the listen backlog until it goes), so against QEMU the clients run one
 * after the other; a barrier after a warm-up would deadlock there. */
static void clients(const char *path, long n, int nc, int depth) {
    pthread_t *t = calloc((size_t) nc, sizeof *t);
    client_arg *a = calloc((size_t) nc, sizeof *a);
    if (!t || !a || nc <= 0) die("bad client count or out of memory");
    double t0 = now_s();
    for (int i = 0; i < nc; i++) {
        a[i] = (client_arg) {path, n / nc, depth};
        if (pthread_create(&t[i], NULL, client_thread, &a[i])) die("pthread_create failed");
    }
    for (int i = 0; i < nc; i++) pthread_join(t[i], NULL);
    double el = now_s() - t0;
    printf("ops_per_s=%.0f\n", (double) (n / nc) * nc / el);
    free(t);
    free(a);
}

static void connect_once(const char *path, conn *c) {
    conn_open(c, path, "\n");
    negotiate(c);
    round_trip(c, 1);
    conn_close(c);
}

static void connects(const char *path, long n) {
    conn c = {0};
    for (long i = 0; i < n / 5; i++) connect_once(path, &c);
    double t0 = now_s();
    for (long i = 0; i < n; i++) connect_once(path, &c);
    printf("ops_per_s=%.0f\n", n / (now_s() - t0));
    free(c.buf);
}

/* ---- libxl's conversation (tools/libs/light/libxl_qmp.c, libxl_pci.c) ---- */

/*
 * One libxl__ev_qmp connection. libxl__ev_qmp_init starts ids at 0x786c7100 ("xlq\0") on every fresh connection.
 * libxl__ev_qmp_send connects and takes the first id for the caller's command before the greeting arrives; the
 * greeting handler (qmp_ev_handle_message) then takes the next id for qmp_capabilities, so the first command is
 * 0x786c7100, qmp_capabilities 0x786c7101, and a second command on the same connection 0x786c7102.
 * Messages are json-c's plain text (qmp_prepare_cmd) framed by "\r\n"; replies are framed by "\r\n" too
 * (qmp_ev_get_next_msg looks for it), must carry the integer id sent (else ERROR_PROTOCOL_ERROR_QMP), and events
 * are ignored.
 */
typedef struct {
    conn c;
    long long next_id;
    int commands;
} xl;

static void xl_send(xl *x, const char *path, const char *cmd, const char *args, const char **ret, const char **me) {
    char req[512];
    long long id;
    if (x->commands == 0) {
        conn_open(&x->c, path, "\r\n");
        x->next_id = 0x786c7100;
        id = x->next_id++;
        greeting(&x->c);
        long long caps = x->next_id++;
        int n = snprintf(req, sizeof req, "{\"execute\":\"qmp_capabilities\",\"id\":%lld}\r\n", caps);
        send_all(&x->c, req, (size_t) n);
        reply(&x->c, caps, "qmp_capabilities", ret, me);
    } else {
        id = x->next_id++;
    }
    int n = args ? snprintf(req, sizeof req, "{\"execute\":\"%s\",\"id\":%lld,\"arguments\":%s}\r\n", cmd, id, args)
                 : snprintf(req, sizeof req, "{\"execute\":\"%s\",\"id\":%lld}\r\n", cmd, id);
    send_all(&x->c, req, (size_t) n);
    reply(&x->c, id, cmd, ret, me);
    x->commands++;
}

static void xl_dispose(xl *x) {
    conn_close(&x->c);
    x->commands = 0;
}

/* The device with qdev_id `id` in a query-pci return: 1 and its slot/function, 0 if absent; a device without
 * qdev_id (or a bus without devices, or a match without slot or function) is libxl's ERROR_QEMU_API. */
static int find_qdev(const char *ret, const char *me, const char *id, long long *slot, long long *func) {
    const char *bus;
    for (int i = 0; (bus = element(ret, me, i)); i++) {
        const char *devices = member(bus, me, "devices"), *d;
        if (!devices || *devices != '[') die("query-pci: bus without devices (libxl: ERROR_QEMU_API)");
        for (int j = 0; (d = element(devices, me, j)); j++) {
            const char *q = member(d, me, "qdev_id");
            if (!q || *q != '"') die("query-pci: device without qdev_id (libxl: ERROR_QEMU_API)");
            if (!is_string(q, me, id)) continue;
            if (!integer(member(d, me, "slot"), me, slot) || !integer(member(d, me, "function"), me, func))
                die("query-pci: %s without slot or function (libxl: ERROR_QEMU_API)", id);
            return 1;
        }
    }
    return 0;
}

static void sleep_ms(long ms) {
    if (ms <= 0) return;
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {}
}

typedef struct {
    long polls, max_polls;
    long long slot, func;
    double attach_s, detach_s;
} xl_stats;

/* do_pci_add's QMP part then do_pci_remove's: pci_add_qmp_device_add, pci_add_qmp_query_pci_cb,
 * pci_remove_qmp_device_del, pci_remove_qmp_query_cb, pci_remove_qmp_retry_timer_cb, pci_remove_timeout. */
static void xl_cycle(const char *path, const char *args, const char *qdev, long poll_ms, xl_stats *st) {
    xl x = {0};
    const char *r, *me;
    char del[96];
    double t0 = now_s();
    xl_send(&x, path, "device_add", args, &r, &me);
    xl_send(&x, path, "query-pci", NULL, &r, &me);
    if (!find_qdev(r, me, qdev, &st->slot, &st->func))
        die("PCI device id '%s' wasn't found in QEMU's 'query-pci' response.", qdev);
    xl_dispose(&x); /* pci_add_dm_done */
    double t1 = now_s();

    snprintf(del, sizeof del, "{\"id\":\"%s\"}", qdev);
    double deadline = now_s() + 10; /* LIBXL_QMP_CMD_TIMEOUT, armed before device_del */
    xl_send(&x, path, "device_del", del, &r, &me);
    xl_send(&x, path, "query-pci", NULL, &r, &me);
    long polls = 0;
    for (;;) {
        long long s, f;
        int present = find_qdev(r, me, qdev, &s, &f);
        xl_dispose(&x); /* pci_remove_qmp_query_cb disposes before it looks */
        if (!present) break;
        if (now_s() >= deadline) die("timed out waiting for DM to remove %s", qdev);
        sleep_ms(poll_ms);
        polls++;
        xl_send(&x, path, "query-pci", NULL, &r, &me); /* a fresh connection per poll */
    }
    free(x.c.buf);
    st->attach_s += t1 - t0;
    st->detach_s += now_s() - t1;
    st->polls += polls;
    if (polls > st->max_polls) st->max_polls = polls;
}

static void libxl_mode(const char *dir, int domid, const char *hostaddr, long n, long poll_ms) {
    unsigned seg, bus, dev, fn;
    char end;
    if (sscanf(hostaddr, "%x:%x:%x.%x%c", &seg, &bus, &dev, &fn, &end) != 4 || seg > 0xffff || bus > 0xff ||
        dev > 0x1f || fn > 7)
        die("HOSTADDR must read SSSS:BB:DD.F, got '%s'", hostaddr);
    char path[4096], qdev[32], args[256];
    snprintf(path, sizeof path, "%s/qmp-libxl-%d", dir, domid);
    snprintf(qdev, sizeof qdev, "pci-pt-%02x_%02x.%01x", bus, dev, fn); /* PCI_PT_QDEV_ID */
    /* pci_add_qmp_device_add: no "addr" (no vslot asked), no "permissive" (only sent when true) */
    snprintf(args, sizeof args, "{\"driver\":\"xen-pci-passthrough\",\"id\":\"%s\",\"hostaddr\":\"%04x:%02x:%02x.%01x\"}",
             qdev, seg, bus, dev, fn);
    xl_stats st = {0};
    for (long i = 0; i < n / 5; i++) xl_cycle(path, args, qdev, poll_ms, &st);
    st = (xl_stats) {0};
    double t0 = now_s();
    for (long i = 0; i < n; i++) xl_cycle(path, args, qdev, poll_ms, &st);
    double t = now_s() - t0;
    printf("cycles_per_s=%.0f attach_us=%.0f detach_us=%.0f polls_per_cycle=%.2f max_polls=%ld guest_slot=%lld.%lld "
           "connections_per_cycle=%.2f\n", n / t, st.attach_s / n * 1e6, st.detach_s / n * 1e6, (double) st.polls / n,
           st.max_polls, st.slot, st.func, 2.0 + (double) st.polls / n);
}

static void raw(const char *path, const char *json) {
    conn c = {0};
    const char *r, *me;
    conn_open(&c, path, "\n");
    negotiate(&c);
    send_all(&c, json, strlen(json));
    send_all(&c, "\n", 1);
    reply(&c, -1, "command", &r, &me);
    const char *re = skip_value(r, me);
    printf("%.*s\n", (int) ((re ? re : me) - r), r);
    conn_close(&c);
    free(c.buf);
}

static long num(const char *s, const char *what) {
    char *e;
    long v = strtol(s, &e, 0);
    if (*s == 0 || *e != 0 || v < 0) die("%s must be a non-negative number, got '%s'", what, s);
    return v;
}

int main(int argc, char **argv) {
    const char *m = argc > 1 ? argv[1] : "";
    if (!strcmp(m, "lockstep") && argc == 4) lockstep(argv[2], num(argv[3], "N"));
    else if (!strcmp(m, "pipelined") && argc == 5) pipelined(argv[2], num(argv[3], "N"), (int) num(argv[4], "DEPTH"));
    else if (!strcmp(m, "clients") && (argc == 5 || argc == 6))
        clients(argv[2], num(argv[3], "N"), (int) num(argv[4], "C"), argc == 6 ? (int) num(argv[5], "DEPTH") : 64);
    else if (!strcmp(m, "connect") && argc == 4) connects(argv[2], num(argv[3], "N"));
    else if (!strcmp(m, "libxl") && (argc == 6 || argc == 7))
        libxl_mode(argv[2], (int) num(argv[3], "DOMID"), argv[4], num(argv[5], "N"), argc == 7 ? num(argv[6], "POLL_MS") : 0);
    else if (!strcmp(m, "raw") && argc == 4) raw(argv[2], argv[3]);
    else {
        fputs("usage: qmpload lockstep PATH N | pipelined PATH N DEPTH | clients PATH N C [DEPTH] | connect PATH N\n"
              "       qmpload libxl DIR DOMID HOSTADDR N [POLL_MS] | raw PATH JSON\n", stderr);
        return 2;
    }
    return 0;
}
