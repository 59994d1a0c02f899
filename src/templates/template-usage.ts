/**
 * How many instances use each template, for the catalogue's instance_count. Templates sit below
 * instances, so they ask through this class, which the instances module binds (to its repository).
 */
export abstract class TemplateUsage {
  abstract countByTemplate(): Promise<Record<string, number>>;
  abstract countForTemplate(templateId: string): Promise<number>;
}
