-- Channel duties of one region's OPDs in one month, from what the collectors saw (SCORING.md §4:
-- an official social media account that is active, with comments open; the contact number
-- answered). One row per OPD that has an account of its own or a complaint counted here.
--   :region_code       the region
--   :month_start       first instant of the month (UTC)
--   :month_end         first instant after the month (UTC)
--   :social_platforms  the registry platforms whose comments and mentions are social media
--   :hotline_platform  the registry platform of phone lines
--   :social_channel    the channel of comments and mentions
--   :hotline_channel   the channel of calls and messages
--   :call_source       the call center's log (one complaint per call)
--   :own_account       how a complaint reached the OPD through its own account (complaint_routing)
-- Posts: the OPD's own accounts' posts (account_post: page posts, media, tweets that are not
-- replies) published in the month.
-- Comments received: citizens' comments and mentions on the OPD's own accounts that arrived in
-- the month. Replies: the OPD's first responses on social media given in the month. Calls: calls
-- to the OPD's own lines that arrived in the month, and how many of them got a response.
-- An accepted appeal (complaint_override) applies as in scoring: an excluded complaint is not
-- counted, a corrected first response is the one counted.
-- No reporter or text.
with own_accounts as (
    select
        opd_code,
        sum(case when platform in :social_platforms then 1 else 0 end) as n_social_accounts,
        sum(case when platform = :hotline_platform then 1 else 0 end) as n_hotline_lines
    from account
    where region_code = :region_code
      and opd_code is not null
    group by opd_code
),

complaints as (
    select
        complaint.opd_code,
        complaint.channel,
        complaint.source,
        complaint.received_at,
        coalesce(complaint_override.first_response_at, complaint.first_response_at) as first_response_at,
        complaint_routing.routed_by
    from complaint
    left join complaint_routing
        on complaint_routing.source = complaint.source
       and complaint_routing.complaint_id = complaint.complaint_id
    left join complaint_override
        on complaint_override.source = complaint.source
       and complaint_override.complaint_id = complaint.complaint_id
    where complaint.region_code = :region_code
      and complaint.opd_code is not null
      and complaint.channel in (:social_channel, :hotline_channel)
      and (complaint_override.source is null or not complaint_override.excluded)
),

month_complaints as (
    select
        opd_code,
        channel,
        source,
        first_response_at,
        routed_by,
        case when received_at >= :month_start and received_at < :month_end then 1 else 0 end as arrived_in_month,
        case
            when first_response_at >= :month_start and first_response_at < :month_end then 1 else 0
        end as answered_in_month
    from complaints
    where (received_at >= :month_start and received_at < :month_end)
       or (first_response_at >= :month_start and first_response_at < :month_end)
),

social as (
    select
        opd_code,
        sum(case when routed_by = :own_account then arrived_in_month else 0 end) as n_comments_received,
        sum(answered_in_month) as n_replies
    from month_complaints
    where channel = :social_channel
    group by opd_code
),

calls as (
    select
        opd_code,
        count(*) as n_calls,
        sum(case when first_response_at is not null then 1 else 0 end) as n_calls_answered
    from month_complaints
    where channel = :hotline_channel
      and source = :call_source
      and routed_by = :own_account
      and arrived_in_month = 1
    group by opd_code
),

posts as (
    select
        opd_code,
        count(*) as n_posts
    from account_post
    where region_code = :region_code
      and opd_code is not null
      and platform in :social_platforms
      and posted_at >= :month_start
      and posted_at < :month_end
    group by opd_code
),

opds as (
    select opd_code from own_accounts
    union
    select opd_code from posts
    union
    select opd_code from social
    union
    select opd_code from calls
)

select
    opds.opd_code,
    coalesce(own_accounts.n_social_accounts, 0) as n_social_accounts,
    coalesce(posts.n_posts, 0) as n_posts,
    coalesce(social.n_comments_received, 0) as n_comments_received,
    coalesce(social.n_replies, 0) as n_replies,
    coalesce(own_accounts.n_hotline_lines, 0) as n_hotline_lines,
    coalesce(calls.n_calls, 0) as n_calls,
    coalesce(calls.n_calls_answered, 0) as n_calls_answered
from opds
left join own_accounts on own_accounts.opd_code = opds.opd_code
left join posts on posts.opd_code = opds.opd_code
left join social on social.opd_code = opds.opd_code
left join calls on calls.opd_code = opds.opd_code
order by opds.opd_code
