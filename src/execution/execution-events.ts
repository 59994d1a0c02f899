import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';
import { PluginExecutionEntity } from './plugin-execution.entity';

/**
 * In-process notifications about runs. `settled` fires once a chain of attempts is over (its final
 * row), keyed by the chain's first execution id; callers that wait for a run listen here.
 */
@Injectable()
export class ExecutionEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  settled(rootId: string, execution: PluginExecutionEntity): void {
    this.emitter.emit(`settled:${rootId}`, execution);
  }

  /** Resolves with the final execution of the chain that starts at `rootId`. Subscribe before enqueueing. */
  waitSettled(rootId: string): Promise<PluginExecutionEntity> {
    return new Promise((resolve) => this.emitter.once(`settled:${rootId}`, resolve));
  }
}
