import { InitialSchema1732406400000 } from './1732406400000-initial-schema';
import { ExecutionEngine1732492800000 } from './1732492800000-execution-engine';
import { ApiKeys1732579200000 } from './1732579200000-api-keys';
import { Schedules1732665600000 } from './1732665600000-schedules';
import { TriggerType1732700000000 } from './1732700000000-trigger-type';
import { Webhooks1732838400000 } from './1732838400000-webhooks';
import { Dependencies1733011200000 } from './1733011200000-dependencies';
import { InstanceVersions1733097600000 } from './1733097600000-instance-versions';
import { TemplateVersions1733184000000 } from './1733184000000-template-versions';
import { Provisioning1733270400000 } from './1733270400000-provisioning';
import { Notifications1733356800000 } from './1733356800000-notifications';
import { NotificationPolicies1733443200000 } from './1733443200000-notification-policies';
import { VersionRestoredFrom1733529600000 } from './1733529600000-version-restored-from';

/** Every migration, oldest first. Migrations run at boot; schema synchronisation is never used. */
export const MIGRATIONS = [InitialSchema1732406400000, ExecutionEngine1732492800000, ApiKeys1732579200000, Schedules1732665600000, TriggerType1732700000000, Webhooks1732838400000, Dependencies1733011200000, InstanceVersions1733097600000, TemplateVersions1733184000000, Provisioning1733270400000, Notifications1733356800000, NotificationPolicies1733443200000, VersionRestoredFrom1733529600000];
