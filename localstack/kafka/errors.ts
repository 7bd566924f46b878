/**
 * Base class of every error thrown by `localstack/kafka`.
 *
 * @example
 * try { await startLocalKafka({ topics: [] }); } catch (e) { if (e instanceof LocalKafkaError) console.error(e.message); }
 */
export class LocalKafkaError extends Error {
  override readonly name: string = 'LocalKafkaError';
}

/** The install command that provides everything the broker build needs on Debian/Ubuntu. */
export const TOOLCHAIN_INSTALL_HINT = 'apt-get install -y build-essential zlib1g-dev';

/**
 * A tool the one-time broker build needs is missing.
 *
 * @example
 * new ToolchainMissingError(['gcc', 'zlib headers (zlib.h)']).message;
 * // "... missing: gcc, zlib headers (zlib.h). Install them with: apt-get install -y build-essential zlib1g-dev"
 */
export class ToolchainMissingError extends LocalKafkaError {
  override readonly name = 'ToolchainMissingError';
  constructor(readonly missing: readonly string[]) {
    super(
      `Building the local Kafka broker (librdkafka mock cluster) needs a C toolchain; missing: ${missing.join(', ')}. ` +
        `Install them with: ${TOOLCHAIN_INSTALL_HINT}`,
    );
  }
}

/**
 * A build step (fetching the librdkafka source, configure, make, linking the launcher) failed.
 *
 * @example
 * new BuildStepError('make', '/root/.cache/banku/last-build-failure.log', 'src/rdkafka.c:1: error ...');
 */
export class BuildStepError extends LocalKafkaError {
  override readonly name = 'BuildStepError';
  constructor(
    readonly step: string,
    readonly logPath: string,
    readonly outputTail: string,
  ) {
    super(`Local Kafka broker build failed at "${step}" (full log: ${logPath}):\n${outputTail}`);
  }
}

/**
 * Another process held the build lock for longer than the wait allows.
 *
 * @example
 * new BuildLockTimeoutError('/root/.cache/banku/.build.lock', 600_000);
 */
export class BuildLockTimeoutError extends LocalKafkaError {
  override readonly name = 'BuildLockTimeoutError';
  constructor(
    readonly lockPath: string,
    readonly waitedMs: number,
  ) {
    super(
      `Waited ${Math.round(waitedMs / 1000)} s for the broker build lock ${lockPath}. If no build is running, ` +
        'remove that directory.',
    );
  }
}

/**
 * Options given to `startLocalKafka` or a control call are invalid.
 *
 * @example
 * new InvalidLocalKafkaOptionError('topic name "a b" may only contain [a-zA-Z0-9._-]');
 */
export class InvalidLocalKafkaOptionError extends LocalKafkaError {
  override readonly name = 'InvalidLocalKafkaOptionError';
}

/**
 * The broker process did not print its address, or exited, during start-up.
 *
 * @example
 * new BrokerStartError('exited with code 2', 'mock-broker: --topic wants NAME:PARTITIONS');
 */
export class BrokerStartError extends LocalKafkaError {
  override readonly name = 'BrokerStartError';
  constructor(
    readonly reason: string,
    readonly stderrTail: string,
  ) {
    super(`Local Kafka broker failed to start: ${reason}${stderrTail ? `\n${stderrTail}` : ''}`);
  }
}

/**
 * The broker process is gone (stopped, crashed or killed), so the command cannot be served.
 *
 * @example
 * new BrokerExitedError(1234, null, 'SIGKILL', '');
 */
export class BrokerExitedError extends LocalKafkaError {
  override readonly name = 'BrokerExitedError';
  constructor(
    readonly pid: number,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
  ) {
    super(
      `Local Kafka broker (pid ${pid}) is not running (exit code ${exitCode}, signal ${signal})` +
        (stderrTail ? `\n${stderrTail}` : ''),
    );
  }
}

/**
 * The broker answered a control command with an error, e.g. `TOPIC_ALREADY_EXISTS`.
 *
 * @example
 * new ControlCommandError('topic orders 3', 'TOPIC_ALREADY_EXISTS', 'Broker: Topic already exists');
 */
export class ControlCommandError extends LocalKafkaError {
  override readonly name = 'ControlCommandError';
  constructor(
    readonly command: string,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`Local Kafka broker rejected "${command}": ${code} ${detail}`);
  }
}

/**
 * The broker did not answer a control command in time.
 *
 * @example
 * new ControlTimeoutError('down -1', 10_000);
 */
export class ControlTimeoutError extends LocalKafkaError {
  override readonly name = 'ControlTimeoutError';
  constructor(
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super(`Local Kafka broker did not answer "${command}" within ${timeoutMs} ms`);
  }
}

/** The install command that provides what the Apache Kafka broker needs on Debian/Ubuntu. */
export const APACHE_KAFKA_INSTALL_HINT = 'apt-get install -y openjdk-17-jre-headless maven';

/**
 * Java (17+) or Maven is missing, or `KAFKA_HOME` holds no Kafka, so the Apache Kafka broker cannot run.
 *
 * @example
 * new ApacheKafkaToolsMissingError(['Maven (mvn), to fetch Kafka once']).message;
 */
export class ApacheKafkaToolsMissingError extends LocalKafkaError {
  override readonly name = 'ApacheKafkaToolsMissingError';
  constructor(readonly missing: readonly string[]) {
    super(
      `The Apache Kafka broker needs ${missing.join('; ')}. Install Java and Maven (Debian/Ubuntu: ` +
        `${APACHE_KAFKA_INSTALL_HINT}), or set KAFKA_HOME to an unpacked Apache Kafka 4.x download ` +
        '(https://kafka.apache.org/downloads) and no Maven is needed. The embedded mock broker needs ' +
        'neither: BANKU_BROKER=mock.',
    );
  }
}
