/** The part of jStat (https://github.com/jstat/jstat, no bundled types) that reclens calls. */
declare module "jstat" {
  /** jStat's distribution namespace. */
  interface JStat {
    studentt: { cdf(x: number, dof: number): number; inv(p: number, dof: number): number };
    binomial: { cdf(k: number, n: number, p: number): number };
    normal: { cdf(x: number, mean: number, std: number): number };
  }
  const jStat: JStat;
  export default jStat;
}
