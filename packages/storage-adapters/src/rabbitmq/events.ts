// The emitter moved to @dsync/datasource, where the synchronizer's connections use it too.
export { createEmitter, type Emitter } from '@dsync/datasource';
