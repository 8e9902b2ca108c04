/** Olofsson et al. (2014) §5, the worked example of ../shared/docs/estimation.md 4.4: classes 1..4, mapped ha, sample counts. */
export const classes = [1, 2, 3, 4];
export const mapped = [18000, 13500, 288000, 580500];
/** Rows = map class, columns = reference class. */
export const counts = [
  [66, 0, 5, 4],
  [0, 55, 8, 12],
  [1, 0, 153, 11],
  [2, 1, 9, 313],
];
