/** The part of autocannon (an HTTP load generator) that the bench uses; it ships no types. */
declare module 'autocannon' {
  interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    /** Requests to send (instead of a duration). */
    amount?: number;
    headers?: Record<string, string>;
    method?: string;
  }

  interface Result {
    /** Seconds the run took. */
    duration: number;
    errors: number;
    timeouts: number;
    '2xx': number;
    '4xx': number;
    '5xx': number;
    requests: { total: number; average: number };
    /** Milliseconds. */
    latency: { p50: number; p99: number; average: number };
  }

  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
