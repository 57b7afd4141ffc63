export * from './engine.js';
export * from './prng.js';
export * from './report.js';
export * from './rules.js';
export * from './stats.js';
export * from './strategies.js';
export { lineChart, barChart, svgDocument, type Series, type LineChartOptions, type BarGroup } from './svg.js';
