import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Column, DataSource, Entity, PrimaryColumn } from 'typeorm';
import { TransactionService } from './transaction.service';

@Entity({ name: 'items' })
class Item {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'integer' })
  value: number;
}

/** Group commit on a real SQLite file: units that arrive together share a commit but fail alone. */
describe('TransactionService (SQLite)', () => {
  let dir: string;
  let dataSource: DataSource;
  let transactions: TransactionService;
  const ids = async () => (await dataSource.getRepository(Item).find({ order: { id: 'ASC' } })).map((item) => item.id);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pif-tx-'));
    dataSource = new DataSource({ type: 'sqlite', database: path.join(dir, 'db.sqlite'), entities: [Item], synchronize: true, enableWAL: true });
    await dataSource.initialize();
    transactions = new TransactionService(dataSource);
  });
  afterEach(async () => {
    await dataSource.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('commits units that arrive together; a failing unit is rolled back alone, after its earlier writes', async () => {
    const results = await Promise.allSettled([
      transactions.run((m) => m.insert(Item, { id: 'a', value: 1 })),
      transactions.run(async (m) => {
        await m.insert(Item, { id: 'b', value: 1 });
        throw new Error('unit b fails after writing');
      }),
      transactions.run((m) => m.insert(Item, { id: 'a', value: 2 }), { singleWrite: true }), // duplicate key
      transactions.run(async (m) => {
        await m.insert(Item, { id: 'c', value: 1 });
        await m.update(Item, { id: 'c' }, { value: 3 });
        return 'c done';
      }),
      transactions.run((m) => m.save(m.create(Item, { id: 'd', value: 4 }))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[3] as PromiseFulfilledResult<string>).value).toBe('c done');
    expect(await ids()).toEqual(['a', 'c', 'd']);
    expect((await dataSource.getRepository(Item).findOneByOrFail({ id: 'c' })).value).toBe(3);
  });

  it('runs unrefusable units without a savepoint; one failing after a write fails its whole batch, nothing half written', async () => {
    await transactions.run((m) => m.insert(Item, { id: 'seed', value: 0 }));
    const writeTwice = (id: string, fail: boolean) =>
      transactions.run(
        async (m) => {
          await m.insert(Item, { id, value: 1 });
          if (fail) throw new Error(`unit ${id} fails after writing`);
          await m.update(Item, { id }, { value: 2 });
        },
        { unrefusable: true },
      );
    // Together: one batch. The failing unit takes the others with it.
    const together = await Promise.allSettled([writeTwice('e', false), writeTwice('f', true), writeTwice('g', false)]);
    expect(together.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(await ids()).toEqual(['seed']);
    // Apart from a failure, both writes of each unit are stored.
    await Promise.all([writeTwice('h', false), writeTwice('i', false)]);
    expect((await dataSource.getRepository(Item).find({ order: { id: 'ASC' } })).map((item) => [item.id, item.value])).toEqual([
      ['h', 2],
      ['i', 2],
      ['seed', 0],
    ]);
  });

  it('rolls back a lone failing unit and goes on with the next ones', async () => {
    await expect(
      transactions.run(async (m) => {
        await m.insert(Item, { id: 'x', value: 1 });
        throw new Error('nope');
      }),
    ).rejects.toThrow('nope');
    await transactions.run((m) => m.insert(Item, { id: 'y', value: 1 }));
    expect(await ids()).toEqual(['y']);
  });

  it('answers every caller only once its data is committed, over many batches', async () => {
    const units = Array.from({ length: 300 }, (_, i) =>
      transactions.run(async (m) => {
        await m.insert(Item, { id: `k${String(i).padStart(3, '0')}`, value: i });
        if (i % 7 === 0) await m.update(Item, { id: `k${String(i).padStart(3, '0')}` }, { value: -i });
      }, { singleWrite: i % 7 !== 0 }),
    );
    await Promise.all(units);
    // A second connection sees what the callers were told is stored.
    const other = new DataSource({ type: 'sqlite', database: dataSource.options.database as string, entities: [Item] });
    await other.initialize();
    try {
      expect(await other.getRepository(Item).count()).toBe(300);
      expect((await other.getRepository(Item).findOneByOrFail({ id: 'k007' })).value).toBe(-7);
    } finally {
      await other.destroy();
    }
  });

  it('leaves no transaction open once idle: TypeORM can open its own', async () => {
    await Promise.all([transactions.run((m) => m.insert(Item, { id: 'p', value: 1 })), transactions.run((m) => m.insert(Item, { id: 'q', value: 1 }))]);
    await dataSource.transaction((m) => m.insert(Item, { id: 'r', value: 1 }));
    await dataSource.query('VACUUM');
    expect(await ids()).toEqual(['p', 'q', 'r']);
  });
});
