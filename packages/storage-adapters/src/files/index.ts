/** The file sinks: CSV, JSON Lines or Parquet under one root, one file per task key and page. */
export {
  createFileSink,
  FILE_FORMATS,
  FILE_PARTITIONS,
  type FileFormat,
  type FileSink,
  type FileSinkOptions,
} from './file-sink.js';
export { type FilePartition } from './paths.js';
