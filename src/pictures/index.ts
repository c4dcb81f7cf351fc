export {
  decodePicture,
  pixelsToInput,
  encodePng,
  encodeJpeg,
  PICTURE_FORMATS,
  type DecodedPicture,
  type DecodeOptions,
  type PictureFormat,
} from './decode.js';
export { fitVisualProjection, MIN_PROJECTION_ITEMS, type ProjectionOptions, type VisualProjection } from './projection.js';
export { loadEncoderFile, type VersionedEncoder } from './encoder-file.js';
