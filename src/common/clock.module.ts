import { DynamicModule, Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from './clock';

/** Binds Clock for the whole app: the system clock, or the one createApp was given (tests). */
@Global()
@Module({})
export class ClockModule {
  static forRoot(clock?: Clock): DynamicModule {
    return { module: ClockModule, providers: [{ provide: Clock, useValue: clock ?? new SystemClock() }], exports: [Clock] };
  }
}
