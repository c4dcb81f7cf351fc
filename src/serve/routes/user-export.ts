import { z } from 'zod';
import { CurioError } from '../../core/index.js';
import { exportUser } from '../../recommend/index.js';
import type { AppContext, RouteModule } from '../context.js';
import { defineRoute } from '../route.js';
import { idParamsSchema, storedEventSchema, userSchema } from '../schemas.js';

const derived = (what: string) =>
  z.record(z.string(), z.unknown()).meta({ description: `${what}; \`{personalization: false}\` for a user who refused personalisation` });

const userExportSchema = z.object({
  userId: z.string().meta({ description: "The shop's id, as sent in the path; the stored pseudonym never appears" }),
  exportedAt: z.string().meta({ description: 'ISO 8601' }),
  pseudonymised: z.boolean().meta({ description: 'Whether the store keeps the id as HMAC-SHA256 (CURIO_ID_SECRET)' }),
  consent: z
    .object({
      tracking: z.boolean(),
      personalization: z.boolean(),
      recorded: z.boolean().meta({ description: 'false: no record is stored, and the defaults (both true) apply' }),
    })
    .meta({ description: 'The consent in force for the user' }),
  excludedFrom: z
    .array(
      z.object({
        feature: z.string().meta({
          description: 'recommendations, segments, interests, intent, experiments; events, impressions, feedback, recent activity',
        }),
        because: z.enum(['consent.personalization=false', 'consent.tracking=false']),
        effect: z.string().meta({ description: 'What the feature does instead' }),
      }),
    )
    .meta({ description: 'Every feature that leaves the user out under this consent (empty when both are given)' }),
  user: userSchema.nullable().meta({ description: 'Attributes and consent; null when only events or decisions are stored' }),
  events: z.array(storedEventSchema).meta({ description: 'Every stored event, impressions included, oldest first' }),
  decisions: z
    .array(z.record(z.string(), z.unknown()))
    .meta({ description: 'Every logged decision and served slate (candidates, shown items, propensities, arm), oldest first' }),
  interests: derived('The interest profile as `GET /v1/users/{id}/interests` computes it now'),
  segment: derived('The segment the cached segmentation places the user in, with the features that place them'),
  intent: derived('Purchase intent, when this process has the intent model built (`intent: null` otherwise)'),
  experiments: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullable(),
      state: z.string().nullable(),
      assignedArm: z
        .string()
        .nullable()
        .meta({ description: 'The arm the user is assigned to now, when the experiment runs and admits them' }),
      audience: z.string().nullable(),
      servedArms: z.array(z.string()).meta({ description: "Arms of the user's logged slates" }),
    }),
  ),
});

/** The right of access and portability: everything stored about a user, as one JSON document. */
export const userExportRoutes: RouteModule = (ctx: AppContext) => [
  defineRoute({
    method: 'GET',
    url: '/v1/users/:id/export',
    // admin: the whole dossier of any user; a read key may ship in storefront code (docs/privacy.md, "Access and export").
    scope: 'admin',
    tag: 'users',
    summary: 'Everything stored about a user, as JSON (access and portability)',
    description:
      'The user record (attributes, consent), every event and logged decision, the interest profile, segment, purchase ' +
      'intent (when the model is built) and experiment arms, in the shop’s ids. The same document as `curio export-user`. ' +
      '404 when the store holds no record, event or decision of the user.',
    params: idParamsSchema,
    responses: { 200: userExportSchema },
    errors: [404],
    handler: async ({ params }) => {
      const exported = await exportUser({
        store: ctx.store,
        config: ctx.config,
        rawId: params.id,
        storedId: ctx.ingestor.userKey(params.id),
        insight: ctx.insight,
        experiments: await ctx.experiments.list(),
      });
      if (!exported) throw new CurioError('NOT_FOUND', `no user with id "${params.id}"`);
      return exported;
    },
  }),
];
