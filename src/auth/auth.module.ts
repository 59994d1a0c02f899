import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { READER_CONNECTION } from '../database/database.options';
import { AccessService } from './access.service';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

/** API keys (the keys API, the CLI's service) and the access check the global guard uses. */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity]), TypeOrmModule.forFeature([ApiKeyEntity], READER_CONNECTION)],
  controllers: [ApiKeysController],
  providers: [AccessService, ApiKeysService],
  exports: [AccessService, ApiKeysService],
})
export class AuthModule {}
