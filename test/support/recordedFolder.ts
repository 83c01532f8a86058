// A recording that already holds millions of deletions of one folder, made
// in one SQL statement (seconds, where recording them through the recorder
// would take minutes): for the tests of a history query that takes long.
import { loadAddon } from '../../helper/native';
import { Recording } from '../../helper/recorder/recording';

/** The folder whose subdirectories d0 to d99 the deletions are of. */
export const RECORDED_FOLDER = '/srv/history-of-a-large-folder';
const SUBDIRECTORIES = 100;

/** Makes `file` a recording of `count` successful deletions in RECORDED_FOLDER, seq 1 to count, a millisecond apart up to now. */
export function recordManyDeletions(file: string, count: number): void {
  Recording.open({ file, retainDays: 30, retainBytes: 1 << 30 }).close();
  const db = new (loadAddon().Database)(file);
  const first = Date.now() - count;
  db.exec(`BEGIN;
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${SUBDIRECTORIES - 1})
      INSERT INTO directories (id, path, last_seq) SELECT i + 1, '${RECORDED_FOLDER}/d' || i, ${count} FROM n;
    INSERT INTO processes (id, pid, ppid, uid, comm, cmdline, ancestors, container, mount_namespace, cgroup_id, last_seq)
      VALUES (1, 4242, 1, 0, 'rm', '["rm","-rf","old"]', '[]', NULL, 4026531841, 1, ${count});
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${count})
      INSERT INTO deletions (seq, time, directory_id, name, process_id, tid, result, facts, path_arg, extra, uid)
      SELECT i, ${first} + i, 1 + i % ${SUBDIRECTORIES}, 'f' || i, 1, 4242, 0, 2, NULL, NULL, 0 FROM n;
    COMMIT`);
  db.close();
}
