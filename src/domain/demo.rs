//! The demo data: the Beijing chapter as founded at the 2021-05-29 Meetup (../shared/seeds/).
//! The founding members use placeholder emails under example.org; the two staff accounts are
//! fictional and get one-time activation links, never default passwords.

use super::chapters::{self, ChapterInput};
use super::events::{self, NewEventData};
use super::memberships::{self, Role};
use super::one_time_tokens::{self, Purpose};
use super::users::{self, EmailAddress, UserProfile};
use super::{DomainError, DomainResult};
use crate::db::DbConnection;
use crate::i18n::Locale;
use chrono::{NaiveDate, NaiveDateTime};

pub const CHAPTER_SLUG: &str = "beijing";
pub const EVENT_SLUG: &str = "2021-05-29-beijing-meetup";

/// Founding members as the article lists them: name, organization, job title, email.
const FOUNDING_MEMBERS: [(&str, &str, &str, &str); 8] = [
    (
        "周志",
        "北京鲲鹏联合创新中心",
        "技术总监",
        "zhou.zhi@example.org",
    ),
    (
        "章明星",
        "深信服",
        "数据库业务总经理",
        "zhang.mingxing@example.org",
    ),
    ("张亮", "SphereEx", "CEO", "zhang.liang@example.org"),
    (
        "张皖川",
        "云和恩墨",
        "2020 产品事业部总经理",
        "zhang.wanchuan@example.org",
    ),
    (
        "王潇",
        "云和恩墨",
        "战略市场部总经理",
        "wang.xiao@example.org",
    ),
    (
        "姜殿斌",
        "云和恩墨",
        "恩墨学院产品培训总监",
        "jiang.dianbin@example.org",
    ),
    ("余江", "海量数据", "产品发展部经理", "yu.jiang@example.org"),
    ("詹年科", "宝兰德", "售前总监", "zhan.nianke@example.org"),
];

/// The Meetup's agenda: time, talk, speaker, affiliation.
const AGENDA: [(&str, &str, &str, &str); 9] = [
    (
        "13:30",
        "致辞",
        "堵俊平",
        "华为云与计算开源业务总经理、开放原子开源基金会 TOC 主席",
    ),
    (
        "13:45",
        "共建企业级开源数据库",
        "胡正策",
        "华为计算产品线 openGauss 数据库产品总经理",
    ),
    (
        "14:15",
        "openGauss 线程能力解析",
        "朱金伟",
        "openGauss 内核技术研发团队经理、openGauss 布道师",
    ),
    (
        "14:45",
        "携手同行建设繁荣的基础软件生态",
        "周志",
        "北京鲲鹏联合创新中心技术总监",
    ),
    (
        "15:15",
        "持续打造最易用的 openGauss 商业发行版",
        "张皖川",
        "云和恩墨 2020 产品事业部总经理",
    ),
    (
        "15:45",
        "openGauss 数据库最大安全性架构",
        "章明星",
        "深信服数据库业务总经理",
    ),
    (
        "16:15",
        "Apache ShardingSphere 与 openGauss",
        "张亮",
        "SphereEx CEO",
    ),
    (
        "16:45",
        "圆桌论坛：数据库行业未来发展",
        "周志、张勇、盖国强、胡正策、张亮、章明星",
        "北京鲲鹏联合创新中心、清华大学、云和恩墨、华为、SphereEx、深信服",
    ),
    ("17:15", "openGauss 北京用户组成立仪式", "", ""),
];

const HOSTS: [(&str, &str); 5] = [
    ("openGauss 社区", "host"),
    ("北京鲲鹏联合创新中心", "co-host"),
    ("云和恩墨", "co-host"),
    ("深信服", "co-host"),
    ("SphereEx", "co-host"),
];

const DESCRIPTION_ZH: &str = "openGauss 北京用户组（oGUG 北京）于 2021 年 5 月 29 日在\
“【北京】openGauss Meetup”上正式成立。\n\n\
oGUG 是一个让开发者就 openGauss 技术特性、最佳实践、运营进展等方向交流的公益性本地社区。\
欢迎在北京使用、开发或关注 openGauss 的朋友申请加入。";

const DESCRIPTION_EN: &str = "The openGauss Beijing User Group (oGUG Beijing) was founded on \
29 May 2021 at the openGauss Beijing Meetup.\n\n\
oGUG is a non-profit local community where developers exchange on openGauss features, best \
practices and community progress. Everyone in Beijing who uses, builds or follows openGauss is \
welcome to apply.";

const EVENT_BODY: &str = "由 openGauss 社区主办，北京鲲鹏联合创新中心、云和恩墨、深信服、SphereEx 合力承办。\
来自北京地区 42+ 家企业的近百名专家和开发者参加，在线观看超过 5000 人次。\n\n\
活动围绕 openGauss 的创新特性、商用应用与实践、学术创新、生态构建进行了分享和讨论，\
并正式成立 openGauss 北京用户组。";

/// The hosts' directory entries (Chinese and English names).
const ORGANIZATIONS: [(&str, &str); 5] = [
    ("openGauss 社区", "openGauss Community"),
    (
        "北京鲲鹏联合创新中心",
        "Beijing Kunpeng Joint Innovation Center",
    ),
    ("云和恩墨", "Enmotech"),
    ("深信服", "Sangfor"),
    ("SphereEx", "SphereEx"),
];

/// Topics of the nine founding talks, in agenda order.
const TALK_TAGS: [&str; 9] = [
    "",
    "ecosystem",
    "kernel",
    "ecosystem",
    "tools",
    "security",
    "ecosystem tools",
    "ecosystem",
    "",
];

/// The founding meetup's agenda as nine guest talks in the archive, and its hosts in the
/// organizations directory; once (nothing happens when the event already has talks).
fn seed_archive(conn: &mut DbConnection, chapter_id: super::ids::ChapterId) -> DomainResult<()> {
    use crate::db::schema::{event_agenda_items, event_hosts, organizations, talks};
    use diesel::prelude::*;
    let Ok(event) = events::find_any(conn, chapter_id, EVENT_SLUG) else {
        return Ok(());
    };
    let seeded: i64 = event_agenda_items::table
        .filter(event_agenda_items::event_id.eq(event.id))
        .filter(event_agenda_items::talk_id.is_not_null())
        .count()
        .get_result(conn)?;
    if seeded > 0 {
        return Ok(());
    }
    let at = super::now();
    for (zh, en) in ORGANIZATIONS {
        let id = match super::organizations::by_name(conn, zh)? {
            Some(id) => id,
            None => diesel::insert_into(organizations::table)
                .values((
                    organizations::name_zh.eq(zh),
                    organizations::name_en.eq(en),
                    organizations::created_at.eq(at),
                    organizations::updated_at.eq(at),
                ))
                .returning(organizations::id)
                .get_result(conn)?,
        };
        diesel::update(
            event_hosts::table
                .filter(event_hosts::event_id.eq(event.id))
                .filter(event_hosts::organization.eq(zh)),
        )
        .set(event_hosts::organization_id.eq(Some(id)))
        .execute(conn)?;
    }
    let rows = events::agenda(conn, event.id)?;
    for (row, tags) in rows.iter().zip(TALK_TAGS) {
        let talk_id: super::ids::TalkId = diesel::insert_into(talks::table)
            .values((
                talks::chapter_id.eq(chapter_id),
                talks::title_zh.eq(&row.title),
                talks::title_en.eq(""),
                talks::abstract_md.eq(""),
                talks::abstract_html.eq(""),
                talks::language.eq("zh"),
                talks::level.eq("intermediate"),
                talks::duration_min.eq(30),
                talks::tags.eq(tags),
                talks::status.eq(super::talks::TalkStatus::Accepted),
                talks::created_at.eq(at),
                talks::updated_at.eq(at),
            ))
            .returning(talks::id)
            .get_result(conn)?;
        super::talks::add_speakers(conn, talk_id, &row.speaker, &row.affiliation)?;
        diesel::update(event_agenda_items::table.find(row.id))
            .set(event_agenda_items::talk_id.eq(Some(talk_id)))
            .execute(conn)?;
    }
    super::talks::sync_placements(conn, event.id)?;
    Ok(())
}

/// A one-time activation link printed for a demo staff account.
#[derive(Debug, Clone)]
pub struct ActivationLink {
    pub email: String,
    pub path: String,
}

#[derive(Debug, Clone)]
pub struct DemoReport {
    /// False when the demo chapter already existed and nothing was loaded.
    pub loaded: bool,
    pub activation_links: Vec<ActivationLink>,
}

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DomainResult<NaiveDateTime> {
    NaiveDate::from_ymd_opt(y, m, d)
        .and_then(|date| date.and_hms_opt(h, min, 0))
        .ok_or_else(|| DomainError::Invalid(demo_error("date")))
}

fn email(raw: &str) -> DomainResult<EmailAddress> {
    EmailAddress::parse(raw).map_err(|_| DomainError::Invalid(demo_error("email")))
}

/// The demo's constants are checked by its tests; this only names a broken one.
fn demo_error(field: &'static str) -> super::FieldErrors {
    let mut errors = super::FieldErrors::default();
    errors.add(field, "error.invalid_choice");
    errors
}

/// Loads the demo data unless the Beijing chapter exists. The caller owns the transaction.
pub fn load(conn: &mut DbConnection) -> DomainResult<DemoReport> {
    match chapters::find_by_slug(conn, CHAPTER_SLUG) {
        Ok(chapter) => {
            // A database loaded before the talk archive existed gets the founding talks now.
            seed_archive(conn, chapter.id)?;
            return Ok(DemoReport {
                loaded: false,
                activation_links: vec![],
            });
        }
        Err(DomainError::NotFound) => {}
        Err(e) => return Err(e),
    }
    let chapter = chapters::create(
        conn,
        &ChapterInput {
            slug: CHAPTER_SLUG.into(),
            name_zh: "北京用户组".into(),
            name_en: "Beijing User Group".into(),
            city: "北京 Beijing".into(),
            time_zone: "Asia/Shanghai".into(),
            description: DESCRIPTION_ZH.into(),
            description_en: DESCRIPTION_EN.into(),
            founded_on: NaiveDate::from_ymd_opt(2021, 5, 29),
            contact_email: None,
        },
    )?;

    let mut activation_links = Vec::new();
    for (address, name, role) in [
        (
            "organizer@example.org",
            "示例组织者 Demo Organizer",
            Role::Organizer,
        ),
        (
            "ambassador@example.org",
            "示例布道师 Demo Ambassador",
            Role::Ambassador,
        ),
    ] {
        let address = email(address)?;
        let user = users::create(
            conn,
            &UserProfile {
                email: &address,
                display_name: name,
                organization: "oGUG Demo",
                job_title: "",
                locale: Locale::ZhCn,
                roster_visible: false,
            },
            false,
        )?;
        memberships::add(conn, chapter.id, user.id, role)?;
        let token = one_time_tokens::issue(conn, Purpose::Activate, Some(user.id), None)?;
        activation_links.push(ActivationLink {
            email: address.as_str().to_string(),
            path: crate::paths::activate(&token),
        });
    }

    for (name, organization, job_title, address) in FOUNDING_MEMBERS {
        let address = email(address)?;
        let user = users::create(
            conn,
            &UserProfile {
                email: &address,
                display_name: name,
                organization,
                job_title,
                locale: Locale::ZhCn,
                roster_visible: true,
            },
            false,
        )?;
        memberships::add(conn, chapter.id, user.id, Role::Member)?;
    }

    // 13:30–17:30 in Beijing (UTC+8).
    events::insert(
        conn,
        &NewEventData {
            chapter_id: chapter.id,
            slug: EVENT_SLUG,
            title_zh: "【北京】openGauss Meetup",
            title_en: "openGauss Meetup Beijing",
            summary_zh: "“产学研用”合力共建主流根社区，openGauss 北京用户组正式成立。",
            summary_en: "Industry, academia and users building a mainstream root community together; the openGauss Beijing User Group is founded.",
            body: EVENT_BODY,
            starts_at: at(2021, 5, 29, 5, 30)?,
            ends_at: at(2021, 5, 29, 9, 30)?,
            mode: "hybrid",
            venue: "中关村智能制造创新中心",
            address: "北京市海淀区",
            recording_url: "https://learningvideo.obs.myhuaweicloud.com:443/%E5%8C%97%E4%BA%ACMeetup%20/QQ%E8%A7%86%E9%A2%9120210531170709.mp4",
            photos_url: "https://gallery.vphotos.cn/vphotosgallery/index.html?vphotowechatid=E803C2FDCB2DDE9A5EB7B42750D4A824",
            status: events::EventStatus::Published,
            created_by: None,
        },
        &AGENDA,
        &HOSTS,
    )?;
    seed_archive(conn, chapter.id)?;

    Ok(DemoReport {
        loaded: true,
        activation_links,
    })
}
