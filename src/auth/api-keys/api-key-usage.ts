import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG } from '../../config/config.module.js';
import type { AppConfig } from '../../config/app-config.js';

interface Usage {
  count: number;
  lastUsedAt: Date;
}

/**
 * Last use and request count per key, counted in memory and written in one UPDATE for all keys every
 * API_KEY_USAGE_FLUSH_SECONDS and on shutdown: a read never waits for, or contends on, a write to its key's row.
 * Several instances add their own counts (`request_count + n`), so none overwrites another's.
 * A crash loses at most one interval of counts; that is the price of not writing per request.
 */
@Injectable()
export class ApiKeyUsage implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ApiKeyUsage.name);
  private pending = new Map<string, Usage>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.apiKeys.usageFlushSeconds * 1000);
    // Never the reason the process stays up.
    this.timer.unref();
  }

  /** Before the pool closes (TypeORM closes it in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  record(apiKeyRowId: string, at: Date = new Date()): void {
    this.add(apiKeyRowId, 1, at);
  }

  private add(id: string, count: number, at: Date): void {
    const usage = this.pending.get(id);
    if (!usage) this.pending.set(id, { count, lastUsedAt: at });
    else {
      usage.count += count;
      if (at > usage.lastUsedAt) usage.lastUsedAt = at;
    }
  }

  /** Writes what was counted since the last flush; on failure the counts are kept for the next one. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const ids = [...batch.keys()];
    const usages = [...batch.values()];
    try {
      await this.dataSource.query(
        `UPDATE api_keys AS k
            SET request_count = k.request_count + u.n,
                last_used_at = GREATEST(k.last_used_at, u.at)
           FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[]) AS u(id, n, at)
          WHERE k.id = u.id`,
        [ids, usages.map((u) => u.count), usages.map((u) => u.lastUsedAt)],
      );
    } catch (err) {
      this.logger.warn({ err, keys: ids.length }, 'API key usage not recorded; retrying with the next flush');
      for (const [id, u] of batch) this.add(id, u.count, u.lastUsedAt);
    }
  }
}
