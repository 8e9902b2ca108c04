/**
 * Quality flags for published numbers: a grade from the coefficient of variation, downgraded when the
 * input behind the number was thin (few valid pixels, much cloud, a small sample), and the SDMX OBS_STATUS
 * that goes with it (codes of SDMX's CL_OBS_STATUS).
 */
export interface QualityRules {
  /** Upper CV bound of each grade, best first, e.g. A ≤ 5 %, B ≤ 15 %, C ≤ 30 %; worse is the last grade. */
  cvBands: { grade: string; maxCv: number }[];
  worstGrade: string;
  /** Below these the estimate is "low reliability" whatever its CV. */
  minValidShare: number;
  maxCloudShare: number;
  minSampleSize: number;
  /**
   * The best grade needs evidence, not only a small CV: at least this many sample points that speak about the class
   * (mapped as it or labelled it), at least one of them an error. Otherwise the SE rests on few points or on none
   * observed wrong, and the grade is at most the second band.
   */
  bestGradeMinPoints: number;
  /** Grades whose values are not published (OBS_VALUE left empty, OBS_STATUS Q). */
  suppress: string[];
}

export const DEFAULT_QUALITY_RULES: QualityRules = {
  cvBands: [
    { grade: 'A', maxCv: 0.05 },
    { grade: 'B', maxCv: 0.15 },
    { grade: 'C', maxCv: 0.3 },
  ],
  worstGrade: 'D',
  minValidShare: 0.5,
  maxCloudShare: 0.5,
  minSampleSize: 30,
  bestGradeMinPoints: 30,
  suppress: ['D'],
};

export interface QualityInput {
  /** null when no standard error could be estimated, or the estimate is 0 (a CV is then undefined). */
  cv: number | null;
  /** An estimate of exactly 0: graded as one without observed errors, not as "no standard error". */
  zeroEstimate?: boolean;
  /** The sample points behind a class estimate and how many of them are errors; absent for other indicators. */
  evidence?: { points: number; errors: number };
  validShare: number;
  cloudShare: number;
  sampleSize: number;
}

export interface Quality {
  grade: string;
  /** CL_OBS_STATUS: E estimated, U low reliability, Q suppressed (confidential/unreliable). */
  obsStatus: 'E' | 'U' | 'Q';
  suppressed: boolean;
  reasons: string[];
}

export function gradeQuality(input: QualityInput, rules: QualityRules = DEFAULT_QUALITY_RULES): Quality {
  const reasons: string[] = [];
  let grade = rules.worstGrade;
  const second = rules.cvBands[1]?.grade ?? rules.worstGrade;
  if (input.zeroEstimate) {
    grade = second;
    reasons.push('estimate 0: CV undefined');
  } else if (input.cv === null) reasons.push('no standard error');
  else grade = rules.cvBands.find((b) => input.cv! <= b.maxCv)?.grade ?? rules.worstGrade;
  if (input.cv !== null && grade === rules.worstGrade) reasons.push(`CV ${(100 * input.cv).toFixed(1)} %`);
  if (grade === rules.cvBands[0].grade && input.evidence) {
    const { points, errors } = input.evidence;
    const short: string[] = [];
    if (points < rules.bestGradeMinPoints) short.push(`${points} sample point${points === 1 ? '' : 's'} of the class (best grade needs ${rules.bestGradeMinPoints})`);
    if (errors === 0) short.push('no error observed for the class: its SE rests on the sample size alone');
    if (short.length) {
      grade = second;
      reasons.push(...short);
    }
  }
  const thin: string[] = [];
  if (input.validShare < rules.minValidShare) thin.push(`valid pixels ${(100 * input.validShare).toFixed(0)} %`);
  if (input.cloudShare > rules.maxCloudShare) thin.push(`cloud ${(100 * input.cloudShare).toFixed(0)} %`);
  if (input.sampleSize < rules.minSampleSize) thin.push(`sample of ${input.sampleSize}`);
  reasons.push(...thin);
  const suppressed = rules.suppress.includes(grade);
  const obsStatus = suppressed ? 'Q' : thin.length > 0 || input.cv === null ? 'U' : 'E';
  return { grade, obsStatus, suppressed, reasons };
}
