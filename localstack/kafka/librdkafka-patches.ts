import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BuildStepError } from './errors.js';

/**
 * An exact-text edit of the librdkafka source before it is built.
 *
 * @example
 * const patch: SourcePatch = { file: 'src/x.c', why: 'fix', find: 'a = 1;', replace: 'a = 2;' };
 */
export interface SourcePatch {
  /** Path relative to the librdkafka source root. */
  file: string;
  why: string;
  /** Must occur exactly once, or the build stops: the pinned source changed under us. */
  find: string;
  replace: string;
}

const CGRP = 'src/rdkafka_mock_cgrp.c';
const MOCK = 'src/rdkafka_mock.c';

/**
 * Fixes to the mock cluster, applied to the pinned librdkafka source before it is built: one to its
 * control-op wake-ups, the rest to its classic consumer-group coordinator, each bringing it closer
 * to what a Kafka broker does. Without them kafkajs groups crash now and then, every membership
 * change costs `sessionTimeout - 1 s`, and start-up often stalls 1 s. They are part of the build
 * cache key, so editing this list rebuilds the library.
 *
 * @example
 * LIBRDKAFKA_PATCHES.map((p) => p.why);
 */
export const LIBRDKAFKA_PATCHES: readonly SourcePatch[] = [
  {
    file: MOCK,
    why: 'control ops: do not lose the wake-up of an op queued while the mock thread drains its pipe',
    // The mock thread serves its op queue, then runs the fd handlers, one of which empties the
    // wake-up pipe. An op queued in between (the launcher's setup calls come back to back) has its
    // wake-up byte eaten and waits for the 1 s poll timeout: start-up took 1 s about every other
    // time. Serving the queue once more after the handlers closes that window.
    find: `                /* Call IO handler */
                mcluster->handlers[i].cb(mcluster, mcluster->fds[i].fd,
                                         mcluster->fds[i].revents,
                                         mcluster->handlers[i].opaque);
                r--;
        }

        return 0;
}
`,
    replace: `                /* Call IO handler */
                mcluster->handlers[i].cb(mcluster, mcluster->fds[i].fd,
                                         mcluster->fds[i].revents,
                                         mcluster->handlers[i].opaque);
                r--;
        }

        /* Banku patch: serve ops whose wake-up byte the handlers drained. */
        rd_kafka_q_serve(mcluster->ops, RD_POLL_NOWAIT, 0,
                         RD_KAFKA_Q_CB_CALLBACK, NULL, NULL);

        return 0;
}
`,
  },
  {
    file: CGRP,
    why: 'SyncGroup: answer once every member has synced, not as soon as the leader has',
    // The mock completes the sync when the leader's SyncGroup has brought an assignment for every
    // member, moves the group to Up, and so answers a follower whose SyncGroup comes after the
    // leader's with INVALID_REQUEST (a SyncGroup in state Up), which kafkajs treats as fatal.
    find: `        if (mcgrp->assignment_cnt < mcgrp->member_cnt)
                return;
`,
    replace: `        if (mcgrp->assignment_cnt < mcgrp->member_cnt)
                return;

        /* Banku patch: wait for every member's SyncGroupRequest. */
        {
                rd_kafka_mock_cgrp_classic_member_t *member;
                TAILQ_FOREACH(member, &mcgrp->members, link) {
                        if (!member->resp)
                                return;
                }
        }
`,
  },
  {
    file: CGRP,
    why: 'JoinGroup: end a rebalance as soon as every known member has rejoined',
    // Kafka ends the join phase once all known members have rejoined; the mock always waits out
    // its timer (session timeout - 1 s). Not for the first join of an empty group, which keeps
    // the initial rebalance delay so that members started together share one generation.
    find: `/**
 * @brief Trigger group rebalance.
 */
`,
    replace: `/* Banku patch: elect at once when every member has a JoinGroup pending. */
static void
rd_kafka_mock_cgrp_classic_join_check(rd_kafka_mock_cgrp_classic_t *mcgrp) {
        rd_kafka_mock_cgrp_classic_member_t *member;

        if (mcgrp->state != RD_KAFKA_MOCK_CGRP_STATE_JOINING ||
            mcgrp->member_cnt == 0 || mcgrp->last_member_cnt == 0)
                return;

        TAILQ_FOREACH(member, &mcgrp->members, link) {
                if (!member->resp || !member->conn)
                        return;
        }

        /* Through the timer: the JoinGroup handler is still using the
         * connection that the election answers on. */
        rd_kafka_mock_cgrp_classic_rebalance_timer_restart(mcgrp, 0);
}

/**
 * @brief Trigger group rebalance.
 */
`,
  },
  {
    file: CGRP,
    why: 'a group whose last member left is Empty at once',
    // The mock kept such a group Joining for session timeout - 1 s, so a consumer restarted in the
    // same group waited that long; Kafka makes the group Empty at once.
    find: `        if (mcgrp->state == RD_KAFKA_MOCK_CGRP_STATE_JOINING)
                return; /* Do nothing, group is already rebalancing. */
`,
    replace: `        /* Banku patch: no members left, the group is Empty at once. */
        if (mcgrp->member_cnt == 0) {
                rd_kafka_timer_stop(&mcgrp->cluster->timers,
                                    &mcgrp->rebalance_tmr, rd_true);
                mcgrp->last_member_cnt = 0;
                rd_kafka_mock_cgrp_classic_set_state(
                    mcgrp, RD_KAFKA_MOCK_CGRP_STATE_EMPTY, reason);
                return;
        }

        if (mcgrp->state == RD_KAFKA_MOCK_CGRP_STATE_JOINING) {
                /* Banku patch: a member left; the rest may all be in. */
                rd_kafka_mock_cgrp_classic_join_check(mcgrp);
                return; /* Do nothing, group is already rebalancing. */
        }
`,
  },
  {
    file: CGRP,
    why: 'JoinGroup: check for a complete join after each member (re)joins',
    find: `        member->conn = mconn;
        rd_kafka_mock_cgrp_classic_member_active(mcgrp, member);

        return RD_KAFKA_RESP_ERR_NO_ERROR;
`,
    replace: `        member->conn = mconn;
        rd_kafka_mock_cgrp_classic_member_active(mcgrp, member);

        /* Banku patch */
        rd_kafka_mock_cgrp_classic_join_check(mcgrp);

        return RD_KAFKA_RESP_ERR_NO_ERROR;
`,
  },
];

/**
 * Applies {@link LIBRDKAFKA_PATCHES} to an unpacked source tree, logging each one.
 *
 * @example
 * await applyPatches('/tmp/x/package/deps/librdkafka', '/tmp/x/build.log');
 */
export async function applyPatches(sourceRoot: string, logPath: string): Promise<void> {
  for (const patch of LIBRDKAFKA_PATCHES) {
    const path = join(sourceRoot, patch.file);
    const text = await readFile(path, 'utf8');
    const at = text.indexOf(patch.find);
    if (at === -1 || text.indexOf(patch.find, at + 1) !== -1) {
      throw new BuildStepError(
        'patch librdkafka',
        logPath,
        `${patch.file}: the text to replace (${patch.why}) is not there exactly once`,
      );
    }
    await writeFile(path, text.slice(0, at) + patch.replace + text.slice(at + patch.find.length));
    await appendFile(logPath, `patched ${patch.file}: ${patch.why}\n`);
  }
}
