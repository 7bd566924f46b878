/*
 * Banku local Kafka broker: a thin launcher around librdkafka's built-in mock
 * cluster (rdkafka_mock.h). Dev/CI tooling only; built and cached by
 * localstack/kafka/build.ts, driven by localstack/kafka/broker.ts.
 *
 * Usage:
 *   mock-broker [--brokers N] [--topic NAME:PARTITIONS]... [--rebalance-delay-ms MS]
 *               [--debug CONTEXTS] [--no-control]
 *
 * Protocol (stdout, one line each, flushed):
 *   ready bootstrap=HOST:PORT[,HOST:PORT...] controller=0 brokers=N
 *     once, after every --topic exists; then one reply per control command:
 *   ok
 *   error NAME message...
 *
 * Control commands (stdin, one per line; replies come back in order):
 *   ping
 *   topic NAME PARTITIONS
 *   down BROKER_ID            (-1 = every broker)
 *   up BROKER_ID
 *   rtt BROKER_ID MS
 *   errors API_KEY CODE[,CODE...]                cluster-wide request errors
 *   broker-errors BROKER_ID API_KEY RTT_MS CODE[,CODE...]
 *   clear-errors API_KEY                         cluster-wide stack only
 *   topic-error TOPIC CODE
 *   leader TOPIC PARTITION BROKER_ID
 *
 * Lifetime: exits 0 on SIGTERM, SIGINT or SIGHUP, and when stdin reaches EOF
 * (the parent is gone or gave up on us) unless --no-control. On Linux it also
 * asks the kernel for SIGTERM when the parent dies, so no broker outlives the
 * process that started it, even when that process is SIGKILLed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "rdkafka.h"
#include "rdkafka_mock.h"

/* Kafka protocol ApiKeys (stable numbers from the Kafka protocol spec). */
#define API_KEY_LEAVE_GROUP 13

/* The mock's LeaveGroup handler parses only the v0-v2 request layout but
 * advertises up to v4; a client that picks v3+ (kafkajs does) sends a member
 * batch the mock misreads. */
#define LEAVE_GROUP_MAX_VERSION 2

/* The mock numbers brokers from 1 but reports ControllerId 0 in Metadata.
 * Clients that send InitProducerId or admin requests to the controller
 * (kafkajs) cannot find it, so broker 0 is added to be that controller. */
#define CONTROLLER_BROKER_ID 0

#define MAX_TOPICS 256
#define LINE_MAX_LEN 4096
#define SHUTDOWN_WATCHDOG_S 5

struct topic_arg {
        const char *name;
        int partitions;
};

static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig) {
        unsigned char b = (unsigned char)sig;
        int saved       = errno;
        /* Nothing to do on failure: the pipe is non-blocking and a pending
         * byte already guarantees the wake-up. */
        ssize_t r = write(signal_pipe[1], &b, 1);
        (void)r;
        errno = saved;
}

static void die(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "mock-broker: ");
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "\n");
        va_end(ap);
        exit(2);
}

static void reply_ok(void) {
        fputs("ok\n", stdout);
        fflush(stdout);
}

static void reply_error(const char *name, const char *fmt, ...) {
        va_list ap;
        printf("error %s ", name);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

static void reply_err(rd_kafka_resp_err_t err) {
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                reply_ok();
        else
                reply_error(rd_kafka_err2name(err), "%s", rd_kafka_err2str(err));
}

/* Strict integer parse: the whole token must be a number within range. */
static int parse_long(const char *s, long min, long max, long *out) {
        char *end;
        long v;
        if (!s || !*s)
                return -1;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

/* Parses "C1,C2,..." into codes; returns the count or -1. */
static int parse_codes(char *list, rd_kafka_resp_err_t *codes, int max) {
        int n = 0;
        char *save;
        char *tok;
        for (tok = strtok_r(list, ",", &save); tok;
             tok = strtok_r(NULL, ",", &save)) {
                long v;
                if (n == max || parse_long(tok, -1000, 1000, &v))
                        return -1;
                codes[n++] = (rd_kafka_resp_err_t)v;
        }
        return n > 0 ? n : -1;
}

#define MAX_ARGS 8
#define MAX_CODES 64

static void handle_command(rd_kafka_mock_cluster_t *mcluster, char *line) {
        char *argv[MAX_ARGS];
        int argc = 0;
        char *save;
        char *tok;
        long a, b, c;

        for (tok = strtok_r(line, " \t\r", &save); tok && argc < MAX_ARGS;
             tok = strtok_r(NULL, " \t\r", &save))
                argv[argc++] = tok;

        if (argc == 0) {
                reply_error("INVALID_COMMAND", "empty command");
                return;
        }

#define NEED(n, usage)                                                         \
        do {                                                                   \
                if (argc != (n)) {                                             \
                        reply_error("INVALID_COMMAND", "usage: %s", usage);    \
                        return;                                                \
                }                                                              \
        } while (0)
#define NUM(i, lo, hi, out)                                                    \
        do {                                                                   \
                if (parse_long(argv[i], lo, hi, out)) {                        \
                        reply_error("INVALID_ARGUMENT", "bad number '%s'",     \
                                    argv[i]);                                  \
                        return;                                                \
                }                                                              \
        } while (0)

        if (!strcmp(argv[0], "ping")) {
                NEED(1, "ping");
                reply_ok();

        } else if (!strcmp(argv[0], "topic")) {
                NEED(3, "topic NAME PARTITIONS");
                NUM(2, 1, 100000, &a);
                reply_err(rd_kafka_mock_topic_create(mcluster, argv[1], (int)a,
                                                     1));

        } else if (!strcmp(argv[0], "down") || !strcmp(argv[0], "up")) {
                NEED(2, "down|up BROKER_ID");
                NUM(1, -1, INT32_MAX, &a);
                reply_err(argv[0][0] == 'd'
                              ? rd_kafka_mock_broker_set_down(mcluster,
                                                              (int32_t)a)
                              : rd_kafka_mock_broker_set_up(mcluster,
                                                            (int32_t)a));

        } else if (!strcmp(argv[0], "rtt")) {
                NEED(3, "rtt BROKER_ID MS");
                NUM(1, -1, INT32_MAX, &a);
                NUM(2, 0, 3600000, &b);
                reply_err(rd_kafka_mock_broker_set_rtt(mcluster, (int32_t)a,
                                                       (int)b));

        } else if (!strcmp(argv[0], "errors")) {
                rd_kafka_resp_err_t codes[MAX_CODES];
                int n;
                NEED(3, "errors API_KEY CODE[,CODE...]");
                NUM(1, 0, INT16_MAX, &a);
                if ((n = parse_codes(argv[2], codes, MAX_CODES)) < 0) {
                        reply_error("INVALID_ARGUMENT", "bad error code list");
                        return;
                }
                rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)a,
                                                        (size_t)n, codes);
                reply_ok();

        } else if (!strcmp(argv[0], "broker-errors")) {
                rd_kafka_resp_err_t codes[MAX_CODES];
                int n, i;
                NEED(5, "broker-errors BROKER_ID API_KEY RTT_MS CODE[,CODE...]");
                NUM(1, 0, INT32_MAX, &a);
                NUM(2, 0, INT16_MAX, &b);
                NUM(3, 0, 3600000, &c);
                if ((n = parse_codes(argv[4], codes, MAX_CODES)) < 0) {
                        reply_error("INVALID_ARGUMENT", "bad error code list");
                        return;
                }
                /* The API is variadic only; pushing one at a time keeps the
                 * order, since the stack is consumed first-in first-out. */
                for (i = 0; i < n; i++) {
                        rd_kafka_resp_err_t err =
                            rd_kafka_mock_broker_push_request_error_rtts(
                                mcluster, (int32_t)a, (int16_t)b, 1, codes[i],
                                (int)c);
                        if (err) {
                                reply_err(err);
                                return;
                        }
                }
                reply_ok();

        } else if (!strcmp(argv[0], "clear-errors")) {
                NEED(2, "clear-errors API_KEY");
                NUM(1, 0, INT16_MAX, &a);
                rd_kafka_mock_clear_request_errors(mcluster, (int16_t)a);
                reply_ok();

        } else if (!strcmp(argv[0], "topic-error")) {
                NEED(3, "topic-error TOPIC CODE");
                NUM(2, -1000, 1000, &a);
                rd_kafka_mock_topic_set_error(mcluster, argv[1],
                                              (rd_kafka_resp_err_t)a);
                reply_ok();

        } else if (!strcmp(argv[0], "leader")) {
                NEED(4, "leader TOPIC PARTITION BROKER_ID");
                NUM(2, 0, INT32_MAX, &a);
                NUM(3, -1, INT32_MAX, &b);
                reply_err(rd_kafka_mock_partition_set_leader(
                    mcluster, argv[1], (int32_t)a, (int32_t)b));

        } else {
                reply_error("INVALID_COMMAND", "unknown command '%s'", argv[0]);
        }
#undef NEED
#undef NUM
}

/* Waits for control lines and signals. Returns when it is time to stop. */
static void serve(rd_kafka_mock_cluster_t *mcluster, int control) {
        static char buf[LINE_MAX_LEN + 1];
        size_t len       = 0;
        int discarding   = 0; /* inside an over-long line */
        struct pollfd fds[2];

        fds[0].fd     = signal_pipe[0];
        fds[0].events = POLLIN;
        fds[1].fd     = control ? STDIN_FILENO : -1;
        fds[1].events = POLLIN;

        for (;;) {
                ssize_t r;
                char *nl;

                if (poll(fds, 2, -1) == -1) {
                        if (errno == EINTR)
                                continue;
                        die("poll: %s", strerror(errno));
                }

                if (fds[0].revents) {
                        unsigned char sig = 0;
                        r = read(signal_pipe[0], &sig, 1);
                        (void)r;
                        fprintf(stderr, "mock-broker: signal %d, stopping\n",
                                sig);
                        return;
                }

                if (!fds[1].revents)
                        continue;

                r = read(STDIN_FILENO, buf + len, LINE_MAX_LEN - len);
                if (r == 0) {
                        fprintf(stderr,
                                "mock-broker: control channel closed, "
                                "stopping\n");
                        return;
                }
                if (r < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        fprintf(stderr, "mock-broker: stdin: %s, stopping\n",
                                strerror(errno));
                        return;
                }
                len += (size_t)r;
                buf[len] = '\0';

                while ((nl = memchr(buf, '\n', len))) {
                        size_t used = (size_t)(nl - buf) + 1;
                        *nl         = '\0';
                        if (discarding) {
                                discarding = 0;
                                reply_error("INVALID_COMMAND",
                                            "line longer than %d bytes",
                                            LINE_MAX_LEN);
                        } else {
                                handle_command(mcluster, buf);
                        }
                        memmove(buf, buf + used, len - used);
                        len -= used;
                        buf[len] = '\0';
                }

                if (len == LINE_MAX_LEN) {
                        /* Drop the over-long line; reply once at its end. */
                        discarding = 1;
                        len        = 0;
                }
        }
}

static void install_signals(void) {
        struct sigaction sa;
        int i;

        if (pipe(signal_pipe) == -1)
                die("pipe: %s", strerror(errno));
        for (i = 0; i < 2; i++) {
                fcntl(signal_pipe[i], F_SETFL,
                      fcntl(signal_pipe[i], F_GETFL) | O_NONBLOCK);
                fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
        }

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);

        /* A parent that closed our stdout must not kill us mid-shutdown. */
        signal(SIGPIPE, SIG_IGN);
}

static void die_with_parent(void) {
#ifdef __linux__
        pid_t parent = getppid();
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
                fprintf(stderr, "mock-broker: prctl(PDEATHSIG): %s\n",
                        strerror(errno));
        /* The parent may have died before prctl took effect. */
        if (getppid() != parent)
                die("parent exited during startup");
#endif
}

static void usage(void) {
        fprintf(stderr,
                "usage: mock-broker [--brokers N] [--topic NAME:PARTITIONS]... "
                "[--rebalance-delay-ms MS] [--debug CONTEXTS] [--no-control]\n");
        exit(2);
}

int main(int argc, char **argv) {
        struct topic_arg topics[MAX_TOPICS];
        int topic_cnt          = 0;
        long brokers           = 1;
        long rebalance_delay   = 0;
        const char *debug      = NULL;
        int control            = 1;
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mcluster;
        rd_kafka_resp_err_t err;
        int i;

        for (i = 1; i < argc; i++) {
                const char *arg = argv[i];
                const char *val = i + 1 < argc ? argv[i + 1] : NULL;

                if (!strcmp(arg, "--no-control")) {
                        control = 0;
                        continue;
                }
                if (!val)
                        usage();
                i++;
                if (!strcmp(arg, "--brokers")) {
                        if (parse_long(val, 1, 64, &brokers))
                                die("--brokers must be 1..64");
                } else if (!strcmp(arg, "--rebalance-delay-ms")) {
                        if (parse_long(val, 0, 600000, &rebalance_delay))
                                die("--rebalance-delay-ms must be 0..600000");
                } else if (!strcmp(arg, "--debug")) {
                        debug = val;
                } else if (!strcmp(arg, "--topic")) {
                        const char *colon = strrchr(val, ':');
                        long parts;
                        if (!colon || colon == val ||
                            parse_long(colon + 1, 1, 100000, &parts))
                                die("--topic wants NAME:PARTITIONS, got '%s'",
                                    val);
                        if (topic_cnt == MAX_TOPICS)
                                die("at most %d --topic", MAX_TOPICS);
                        topics[topic_cnt].name =
                            strndup(val, (size_t)(colon - val));
                        topics[topic_cnt].partitions = (int)parts;
                        topic_cnt++;
                } else {
                        usage();
                }
        }

        setvbuf(stdout, NULL, _IOLBF, 0);
        install_signals();
        die_with_parent();

        /* The mock cluster needs an rd_kafka_t for its bookkeeping only; it
         * never connects anywhere. */
        conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "log_level", debug ? "7" : "4", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            (debug && rd_kafka_conf_set(conf, "debug", debug, errstr,
                                        sizeof(errstr)) != RD_KAFKA_CONF_OK))
                die("config: %s", errstr);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk)
                die("rd_kafka_new: %s", errstr);

        mcluster = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mcluster)
                die("could not create the mock cluster (see log above)");

        if ((err = rd_kafka_mock_broker_add(mcluster, CONTROLLER_BROKER_ID)))
                die("adding controller broker %d: %s", CONTROLLER_BROKER_ID,
                    rd_kafka_err2str(err));
        if ((err = rd_kafka_mock_set_apiversion(mcluster, API_KEY_LEAVE_GROUP,
                                                0, LEAVE_GROUP_MAX_VERSION)))
                die("capping LeaveGroup version: %s", rd_kafka_err2str(err));
        rd_kafka_mock_group_initial_rebalance_delay_ms(mcluster,
                                                       (int32_t)rebalance_delay);

        for (i = 0; i < topic_cnt; i++) {
                err = rd_kafka_mock_topic_create(mcluster, topics[i].name,
                                                 topics[i].partitions, 1);
                if (err)
                        die("creating topic %s: %s", topics[i].name,
                            rd_kafka_err2str(err));
        }

        printf("ready bootstrap=%s controller=%d brokers=%ld\n",
               rd_kafka_mock_cluster_bootstraps(mcluster), CONTROLLER_BROKER_ID,
               brokers);
        fflush(stdout);

        serve(mcluster, control);

        /* If teardown ever hangs (a client mid-request), the default SIGALRM
         * action still ends the process. */
        alarm(SHUTDOWN_WATCHDOG_S);
        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        for (i = 0; i < topic_cnt; i++)
                free((void *)topics[i].name);
        return 0;
}
