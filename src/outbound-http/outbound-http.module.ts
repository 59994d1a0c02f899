import { Global, Module } from '@nestjs/common';
import { Settings } from '../config/settings';
import { OutboundHttpService } from './outbound-http.service';

/** Guarded outbound HTTP, global so plugin templates can inject it. */
@Global()
@Module({
  providers: [{ provide: OutboundHttpService, useFactory: (settings: Settings) => new OutboundHttpService(settings), inject: [Settings] }],
  exports: [OutboundHttpService],
})
export class OutboundHttpModule {}
