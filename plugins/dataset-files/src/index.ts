/** @selfj/dataset-files: local JSONL / JSON / CSV / Parquet (and .gz) instruction data, streamed. */
export { FilesDataset, type FileInput, type FilesDatasetOptions, type FilesDatasetStats } from './loader.js';
export { compileMapping, detectPreset, presetMapper, PRESET_NAMES, type FieldMapping, type FieldSpec, type Mapper, type Mapped, type PresetName } from './mapping.js';
export { formatOf, isDataFile, openFile, type FileFormat } from './format.js';
export { globToRegExp, matchGlob, hasGlob, expandLocal } from './glob.js';
export { stableId } from './id.js';
export { rejectsFile, type Reject, type RejectSink } from './rejects.js';
export { RecordProblem, badRecord, type Where } from './errors.js';
export { getPath } from './fieldpath.js';
export type { RawRow, OpenedFile, ReaderOptions } from './readers/types.js';
import { plugin } from './plugin.js';
export { plugin };
export default plugin;
