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
  private readonly queues = new Map<QueueName, Queue>();

  constructor(readonly settings: Settings) {
    const s = settings.service;
    this.prefix = s.prefix;
    // BullMQ workers block on Redis: no retry limit per command, so a Redis restart is waited out, not failed.
    this.connection = { url: s.redisUrl, maxRetriesPerRequest: null };
    this.redis = new Redis(s.redisUrl, { maxRetriesPerRequest: null, lazyConnect: false });
    this.redis.on('error', () => {}); // reconnects on its own; commands wait meanwhile
    this.artifactsDir = path.resolve(packageRoot(), s.artifactsDir);
    this.dataRoots = s.dataRoots.map((r) => path.resolve(packageRoot(), r));
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

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.redis.disconnect();
  }
}
