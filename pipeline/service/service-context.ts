import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Queue, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Settings } from '../config/settings.js';
import { packageRoot } from '../core/package-root.js';
import { QUEUES, type QueueName } from './queues.js';

/**
 * What the API, the workers and the CLI clients share: the settings, Redis (one connection for our own keys, the
 * BullMQ queues under the configured prefix) and the artifacts folder. One per process.
 */
export class ServiceContext {
  readonly connection: ConnectionOptions;
  readonly redis: Redis;
  readonly prefix: string;
  readonly artifactsDir: string;
  readonly dataRoots: string[];
  /**
   * The settings given, except that raster.allowedOrigins is service.allowedHosts and raster.localRoots the data roots:
   * every raster the service's workers open over http(s) is held to the submission allow-list (each redirect hop
   * too), not only the job spec's check, and files a STAC catalogue names to the data roots.
   */
  readonly settings: Settings;
  private readonly queues = new Map<QueueName, Queue>();

  /**
   * `waits` (workers): commands wait while Redis is away, so a Redis restart is waited out, not failed.
   * `fails-fast` (the API): a command fails at once while Redis is unreachable, so requests get a 503 in time
   * instead of hanging.
   */
  constructor(
    settings: Settings,
    readonly onRedisDown: 'waits' | 'fails-fast' = 'waits',
  ) {
    const s = settings.service;
    this.dataRoots = s.dataRoots.map((r) => path.resolve(packageRoot(), r));
    this.settings = { ...settings, raster: { ...settings.raster, allowedOrigins: s.allowedHosts, localRoots: this.dataRoots } };
    this.prefix = s.prefix;
    const options = onRedisDown === 'waits' ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 0, enableOfflineQueue: false, connectTimeout: 1000 };
    this.connection = { url: s.redisUrl, ...options };
    this.redis = new Redis(s.redisUrl, { ...options, lazyConnect: false });
    this.redis.on('error', () => {}); // reconnects on its own; commands wait meanwhile
    this.artifactsDir = path.resolve(packageRoot(), s.artifactsDir);
    mkdirSync(this.artifactsDir, { recursive: true });
  }

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.connection, prefix: this.prefix });
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }

  allQueues(): Queue[] {
    return QUEUES.map((n) => this.queue(n));
  }

  /** A key of ours (not BullMQ's) under the deployment's prefix. */
  key(...parts: string[]): string {
    return [this.prefix, 'sat', ...parts].join(':');
  }

  /** A job's folder: work/ while it runs (intermediate tiles, the prediction), out/ once complete. */
  jobDir(id: string, part: 'work' | 'out' | '' = ''): string {
    return path.join(this.artifactsDir, 'jobs', id, part);
  }

  /** Resolves once Redis answers, or after `ms` (a fail-fast context starts without Redis and answers 503 meanwhile). */
  async ready(ms = 2000): Promise<void> {
    if (this.redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => {})));
    this.redis.disconnect();
  }
}
