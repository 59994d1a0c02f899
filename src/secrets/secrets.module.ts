import { Global, Module } from '@nestjs/common';
import { SecretsService } from './secrets.service';

/** Encryption of secret config values; global, as instances, templates and execution all need it. */
@Global()
@Module({ providers: [SecretsService], exports: [SecretsService] })
export class SecretsModule {}
