import { Repository } from 'typeorm';
import { PluginInstanceEntity } from './plugin-instance.entity';

/** Instances per template id: shared by instance stats and the template list's instance_count. */
export async function countInstancesByTemplate(instances: Repository<PluginInstanceEntity>): Promise<Record<string, number>> {
  const rows: { template_id: string; count: string | number }[] = await instances
    .createQueryBuilder('i')
    .select('i.template_id', 'template_id')
    .addSelect('COUNT(*)', 'count')
    .groupBy('i.template_id')
    .orderBy('i.template_id')
    .getRawMany();
  return Object.fromEntries(rows.map((row) => [row.template_id, Number(row.count)]));
}
