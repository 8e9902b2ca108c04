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
  suppress: ['D'],
};

export interface QualityInput {
  /** null when no standard error could be estimated. */
  cv: number | null;
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
  if (input.cv === null) reasons.push('no standard error');
  else grade = rules.cvBands.find((b) => input.cv! <= b.maxCv)?.grade ?? rules.worstGrade;
  if (input.cv !== null && grade === rules.worstGrade) reasons.push(`CV ${(100 * input.cv).toFixed(1)} %`);
  const thin: string[] = [];
  if (input.validShare < rules.minValidShare) thin.push(`valid pixels ${(100 * input.validShare).toFixed(0)} %`);
  if (input.cloudShare > rules.maxCloudShare) thin.push(`cloud ${(100 * input.cloudShare).toFixed(0)} %`);
  if (input.sampleSize < rules.minSampleSize) thin.push(`sample of ${input.sampleSize}`);
  reasons.push(...thin);
  const suppressed = rules.suppress.includes(grade);
  const obsStatus = suppressed ? 'Q' : thin.length > 0 || input.cv === null ? 'U' : 'E';
  return { grade, obsStatus, suppressed, reasons };
}
