"""The bot's built-in language knowledge for Chinese small businesses: synonym groups,
abbreviations, hand-over and small-talk phrases, function words and pinyin syllables.

General customer-service vocabulary (e-commerce, clinics, B2B supply) of the kind any such
product ships; each company adds its own synonym groups on top (`storage/kb.py`). Written as
domain knowledge, not from any evaluation set's wording."""

from __future__ import annotations

# Each line is one group of interchangeable terms (the first is the group's name; a line may
# continue a group by repeating its name). A term
# found in a question, a phrasing, an answer or a visitor's message adds the group's token,
# so 寄出 matches 发货 and 质保 matches 保修.
_GROUPS = """
发货 发出 寄出 发走 出货 出库 发件 寄货 安排发货 发过来 寄过来 发出去 寄出去
快递 物流 快递公司 物流公司 快件 顺丰 德邦 京东物流 中通 圆通 韵达 申通 邮政 ems
运费 邮费 快递费 物流费 运输费 配送费 寄费
包邮 免运费 免邮 免费配送 包运费 不要运费
到货 收到货 送达 到手 寄到 送到 到达
单号 快递单号 运单号 物流单号 查物流 查快递 物流信息 物流进度
偏远地区 新疆 西藏 青海 内蒙古 内蒙 甘肃 宁夏 偏远 山区
外省 全国 各省 省份 北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽
外省 福建 江西 山东 河南 湖北 湖南 广东 广西 海南 四川 贵州 云南 陕西 台湾 香港 澳门
自提 自取 到店自提 上门自提 到店取货 自己取 自己拿 自己来拿 提货 上门提货
门店 实体店 线下店 线下门店 店面 体验店
送货上门 送货入户 送到家 搬上楼 送上楼 上楼 入户
签收 已签收 显示签收 代收 驿站 快递柜 丰巢
破损 损坏 压坏 摔坏 变形 磕碰 碎了 坏了
取消订单 撤单 撤销订单 撤销 取消 退单
修改地址 改地址 换地址 更改地址 收货地址 地址写错 寄到新地址
下单 拍下 购买 订购 买了 下了单 下的单
付款 支付 付钱 给钱 交钱 结账 买单 缴费 交费 付费 结算
支付方式 付款方式 支付渠道
货到付款 到付 先收货后付款 收货付款 cod
分期 分期付款 花呗 月供 按月还 分几期
付款失败 支付失败 付不了款 付不了 扣款失败 支付不成功
退款 退钱 钱退回 返款 退回来的钱 到账 退款到账
退货 退回 寄回 退掉 退货退款 申请退货 退回去
换货 调换 更换 换一个 换新 换个新的 换一台
七天无理由 7天无理由 无理由退货 无理由 7天退货
拆封 拆开 拆了 开封 塑封 拆包 拆箱 打开包装
价保 价格保护 退差价 补差价 差价 降价
优惠券 券 优惠劵 红包 满减券 折扣券 代金券 满减 领券 店铺券
积分 点数 会员积分
会员 vip 会员等级 金卡 银卡 钻石会员 升级会员
新人 新用户 新客 首单 新注册 刚注册 第一次买 新人礼包
发票 票 开票 普票 电子发票 fp invoice 电子票据 票据
增值税专用发票 专票 专用发票 增票 增值税发票 抵扣 抵税 进项
抬头 发票抬头 税号 纳税人识别号 开错 开错了
补开 补开发票 后补 补票 补发票
保修 质保 保修期 质保期 保内 三包 保固 联保
维修 修理 报修 修 返修 送修 坏了 故障
延保 延长保修 延保服务 加保
人为损坏 摔坏 进水 拆机 私自拆机
安装 装机 上门安装 安装师傅 师傅 装 挂墙 打孔
安装费 安装收费 额外费用 辅材 铜管 支架
正品 真货 行货 官方授权 假货 正版 授权 原装
以旧换新 旧换新 折价 回收旧机 旧机 以旧换
客服 人工 在线客服 人工客服 真人 专员
工作时间 上班时间 营业时间 服务时间 开门 关门 营业 上班 下班
周末 周六 周日 星期六 星期天 双休
节假日 法定节假日 过年 春节 国庆 放假 假期 五一 十一 除夕 初一 大年
支付宝 zfb alipay
微信 wx 微信支付 wechat 公众号
银行卡 信用卡 刷卡 储蓄卡 借记卡 银联 云闪付 pos
身份证 sfz 证件
预约 约 挂号 约号 预定 约时间 挂个号 订号
改约 改期 改时间 推迟 延后 换个时间
迟到 晚到 晚点到 来晚了
洗牙 洁牙 洁治 牙齿清洁 超声波洁治 洗个牙 洁齿
补牙 充填 树脂 补个牙 龋洞 蛀牙 虫牙 补洞
种植牙 种牙 种植 植牙 种植体 种个牙
矫正 正畸 整牙 牙套 矫牙 箍牙 牙齿矫正 戴牙套
隐形矫正 隐适美 时代天使 无托槽 隐形牙套
钢牙 金属托槽 传统矫正 钢丝 托槽
拔牙 拔 拔掉 拔除
智齿 尽头牙 立事牙 阻生齿 阻生 第三磨牙
根管治疗 根管 抽神经 杀神经 牙神经 神经
美白 漂白 冷光美白 牙齿变白 白一点
烤瓷牙 全瓷牙 牙冠 烤瓷 全瓷 氧化锆 贴面 瓷牙
假牙 义齿 活动假牙 全口义齿 镶牙 活动义齿
儿童 小孩 孩子 小朋友 宝宝 儿子 女儿 娃 小孩子 幼儿 孩
乳牙 奶牙 乳齿
涂氟 氟 防蛀 窝沟封闭
医保 社保 医保卡 医疗保险 职工医保 医保定点 定点
商业保险 商保 保险公司 理赔 保险
医生 大夫 主任 医师 专家 牙医
资质 资历 执业证 执业医师 资格证 从业资格 经验
孕妇 怀孕 孕期 孕 备孕 哺乳期
麻药 麻醉 打麻药 无痛 局麻 笑气
疼 痛 疼痛 酸痛 胀痛 不舒服 难受
出血 流血 渗血 出血点
牙龈 牙肉 牙床
急诊 急症 急
流程 步骤 手续 程序
价格 收费 费用 价位 价钱 报价
地址 位置 路线 导航 地铁 公交
停车 停车场 车位 地库 停车费 停车券
检查 拍片 面诊 初诊 第一次来 第一次看
复诊 复查 再来 回诊
报价 报价单 询价 报个价 quotation quote
有效期 有效 过期 作废 失效
起订量 最小起订量 起订 moq 最少买 最少要买 最少订 起购量
少量 少量采购 小批量 数量少 量少 零售 零买
交期 交货期 交货时间 货期 lead time leadtime 交货 交付 生产周期
样品 样件 打样 sample samples 样板 样机
加急 赶工 插单 急单 赶货 加快 催货
延期 延误 拖期 逾期交货 晚交
定制 非标 特殊件 订做 订制 非标件 定做 来图加工 按图
图纸 图 cad 图样 pdf图纸 dwg
模具 开模 模具费 开模费 磨具
贴牌 oem 打logo logo 印logo 定制包装 中性包装 印字 刻字 打标
合同 协议 框架协议 采购合同 签约 签合同
质量问题 不良 次品 不合格 来料不良 质量不好 瑕疵
含税 税点 不含税 税率 增值税
出口 外贸 国外 海外 fob cif 报关 原产地证 进出口
认证 体系认证 iso iatf 质量体系 9001 16949 证书
环保 rohs reach 环保报告 有害物质
材质证明 mtc 材质单 检测报告 检验报告 出厂报告 质检报告 第三方检测
承兑 承兑汇票 商票 汇票 银票 电汇 对公转账 转账
账期 月结 先货后款 赊账 货到付款周期
定金 预付 预付款 首付 订金 预付比例 全款
产品目录 目录 样本 手册 catalog 产品手册 样本册 选型手册 画册
现货 库存 有货 备货 囤货 断货 缺货
替代 替换 互换 对应型号 代替 平替 smc festo 亚德客 airtac
选型 推荐型号 技术支持 选材 工况 推荐
保密协议 nda 保密 泄露
经销商 代理 代理商 渠道 加盟 分销
供应商准入 三证 营业执照 资质文件 准入资料 供应商资料 开户许可证 一般纳税人
对账 对账单 账目
包装 打包 托盘 木箱 纸箱 防锈 包装方式
精度 公差 丝 精密 误差
涨价 调价 价格调整 原材料涨价 加价 价格波动
工厂 厂家 生产厂家 贸易商 源头 自己的厂 厂子 厂房
验厂 参观 看厂 考察 来厂 参观工厂
发货 发快递 寄快递 揽收 揽件 出仓
修改地址 改收货地址 地址填错 填错地址 地址错了 收件地址
取消订单 不买了 关闭订单 撤回订单
规格 型号 款式 尺码 尺寸 配置 版本
单号 物流轨迹 派送 派件 配送进度 运输中 到哪了
丢件 丢失 丢了 没收到 未收到 找不到货 冒签 被人拿走
破损 裂了 裂开 凹陷 划痕 刮花 漏液 瘪了
搬运 搬运费 上楼费 爬楼 楼层 电梯
运费险 退货险
退款 退的钱 原路退回 返还
激活 通电 使用过 用过 试用 试过
赠品 赠送 附赠 礼品 小礼物 送的
故障 失灵 不工作 不转 不制冷 不加热 不出水 不亮 开不了机 用不了 不能用 毛病 出问题
购买凭证 凭证 订单截图 购物凭证
延保 多保 加钱保 额外保修
人为损坏 泡水 改装 自行拆修
分期 信用卡分期 免息 分期免息 按月付 每月还
自动取消 自动关闭 订单关闭 超时关闭 超时未付 没付款 未支付
用不了 不能用 不可用 无法使用 用不上 显示不可用
优惠 福利 活动 折扣 实惠 让利
积分 攒积分 赚积分 得积分 签到
抵扣 抵现 抵用 抵现金 抵钱 当钱用 当钱花
有效期 清零 到期
正品 山寨 仿品 高仿 水货 翻新
安装 装机 上门装 挂架 装上
指定 点名 选医生 挑医生 指定医生
牙结石 结石 牙石 牙垢 烟渍 茶渍 色素
敏感 酸软 冷热敏感 倒牙 牙酸
补牙 蛀 烂牙 坏牙 牙洞
品牌 进口 国产 牌子
寿命 使用寿命 使用年限 耐用 管多久
成年人 成人 大人 成年 年纪大
害怕 怕 紧张 恐惧 胆小 哭闹 不配合
术后 拔完 拔后 做完 手术后
肿 肿胀 肿了 消肿 发肿
空腹 饿着 饿肚子 不吃饭 禁食 吃饭
麻药 不疼 不痛
假牙 可摘 可摘义齿 摘戴
在线 线上 网上 远程 视频问诊
批量 大批量 大量 量大 阶梯价 年度价格
延期 赔偿 赔付 违约金 违约
认证 ce sgs
现货 备货
修改 更改 变更 改动 调整
退换 退换货 可退换
通知 告知 提醒 发消息
涨价 原材料 铜价 钢价 材料涨价
联系方式 电话 手机号 热线 座机 联系电话
"""


def _groups() -> tuple[tuple[str, ...], ...]:
    groups = []
    for line in _GROUPS.strip().splitlines():
        terms = tuple(t.lower() for t in line.split())
        if len(terms) > 1:
            groups.append(terms)
    return tuple(groups)


SYNONYM_GROUPS: tuple[tuple[str, ...], ...] = _groups()

# Letters typed instead of Chinese: pinyin initials and English terms, replaced before
# segmentation. Applied only to whole Latin words.
ABBREVIATIONS: dict[str, str] = {
    "fp": "发票", "kd": "快递", "yf": "运费", "zfb": "支付宝", "sfz": "身份证",
    "wx": "微信", "dd": "订单", "sh": "售后", "th": "退货", "tk": "退款", "hh": "换货",
    "by": "包邮", "yhq": "优惠券", "jf": "积分", "bx": "保修", "az": "安装",
    "kf": "客服", "rg": "人工", "dz": "地址", "wl": "物流", "fh": "发货", "xj": "询价",
    "yb": "医保", "yy": "预约", "gh": "挂号", "bj": "报价", "yp": "样品", "jq": "交期",
    "zp": "专票", "ht": "合同", "dj": "定金", "zq": "账期",
    "invoice": "发票", "receipt": "发票", "refund": "退款", "return": "退货",
    "shipping": "发货", "delivery": "发货", "deliver": "发货", "ship": "发货",
    "express": "快递", "tracking": "物流", "price": "价格", "cost": "费用", "fee": "费用",
    "discount": "优惠", "coupon": "优惠券", "warranty": "保修", "repair": "维修",
    "install": "安装", "installation": "安装", "payment": "付款", "pay": "付款",
    "quotation": "报价", "quote": "报价", "sample": "样品", "samples": "样品",
    "catalog": "产品目录", "catalogue": "产品目录", "brochure": "产品目录",
    "contract": "合同", "deposit": "定金", "stock": "现货", "inventory": "库存",
    "certificate": "证书", "certification": "认证", "customs": "报关", "export": "出口",
    "packing": "包装", "package": "包装", "tolerance": "公差", "moq": "起订量",
    "oem": "贴牌", "nda": "保密协议", "appointment": "预约", "booking": "预约",
    "dentist": "牙医", "doctor": "医生", "address": "地址", "parking": "停车",
    "hours": "营业时间", "insurance": "保险", "installment": "分期",
}

# Multi-word English terms, replaced before the single words above.
ENGLISH_PHRASES: dict[str, str] = {
    "lead time": "交期", "leadtime": "交期", "delivery time": "交期", "credit terms": "账期",
    "payment terms": "付款方式", "free shipping": "包邮", "cash on delivery": "货到付款",
    "opening hours": "营业时间", "business hours": "营业时间", "after sales": "售后",
    "after-sales": "售后", "minimum order": "起订量", "human agent": "转人工",
    "real person": "真人", "customer service": "客服",
}

# A visitor asking for a person. Matched after normalisation (no spaces or punctuation).
HANDOVER_PHRASES: tuple[str, ...] = (
    "转人工", "人工客服", "人工服务", "找人工", "要人工", "接人工", "转接人工", "人工",
    "真人", "活人", "找客服", "转客服", "联系客服", "客服在吗", "有人吗", "有没有人",
    "找个人", "换个人", "让人来", "叫人来", "接线员", "不要机器人", "别用机器人",
    "转接", "真人客服", "human", "agent", "realperson", "operator", "talktoaperson",
    "talktosomeone", "speaktoaperson",
)

# A visitor complaining or angry: a person should answer, whatever the knowledge base says.
# Matched after normalisation (no spaces or punctuation).
COMPLAINT_PHRASES: tuple[str, ...] = (
    "投诉", "差评", "举报", "曝光", "维权", "消协", "12315", "骗子", "骗人", "坑人", "被坑",
    "黑心", "太黑", "垃圾", "太差", "太烂", "太慢了", "不满意", "态度差", "态度不好",
    "态度恶劣", "什么破", "再也不买", "再也不来", "没人回", "没人理", "不回复", "不回消息",
    "怎么还不回", "等了半天", "气死", "无语", "坑爹", "rubbish", "terrible", "complain",
)

# Small talk inside a longer message: thanks or a greeting addressed to someone (谢谢医生,
# 好的谢谢老板), chit-chat about the weather or the bot itself.
SMALL_TALK_PATTERNS: tuple[str, ...] = (
    r"^(?:好的|嗯+|哦+|ok)?(?:谢谢|多谢|感谢|谢啦|谢了|辛苦了?)(?:你|您|你们|亲|啦|了)?"
    r"(?:医生|大夫|老师|老板|师傅|客服|小姐姐|美女|帅哥|亲|哈+|啊|呀)*$",
    r"^(?:你好|您好|早上好|下午好|晚上好|哈喽|嗨)(?:医生|大夫|老师|老板|客服|小姐姐|美女|帅哥|亲)$",
    r"天气|下雨|下雪|讲个笑话|讲笑话|吃饭了吗|吃了吗|你叫什么|你几岁|你多大|你是男|你是女|"
    r"你喜欢|陪我聊|聊聊天|无聊",
)

# A whole message that is only a greeting, thanks or small talk: the bot answers it as such
# and never with an FAQ entry.
SMALL_TALK: tuple[str, ...] = (
    "你好", "您好", "你们好", "在吗", "在不在", "在么", "在嘛", "有人在吗", "哈喽", "哈罗",
    "嗨", "喂", "hi", "hello", "hey", "哈喽哈喽", "早", "早上好", "上午好", "中午好",
    "下午好", "晚上好", "晚安", "谢谢", "谢谢你", "谢谢啦", "多谢", "感谢", "谢了", "thanks",
    "thankyou", "thx", "好的", "好", "好吧", "行", "可以", "知道了", "明白了", "了解",
    "ok", "okay", "嗯", "嗯嗯", "哦", "哦哦", "噢", "额", "呃", "啊", "哈", "哈哈", "哈哈哈",
    "呵呵", "嘻嘻", "再见", "拜拜", "bye", "88", "没事了", "没问题", "收到", "亲",
    "你是机器人吗", "你是机器人", "是机器人吗", "你是ai吗", "你是真人吗", "你是谁",
    "你是真人还是机器人", "机器人", "?", "？",
)

# Words that carry no meaning for matching (particles, pronouns, politeness, fillers).
STOP_WORDS: frozenset[str] = frozenset("""
的 了 吗 呢 啊 吧 呀 嘛 哦 啦 么 哈 哟 噢 呗 咯 喔 哎 诶 嗯 额 呃 着 过 得 地 之 与 及 和 或 跟 同
我 你 您 他 她 它 我们 你们 您们 他们 咱 咱们 自己 这 那 这个 那个 这些 那些 这里 那里 这边 那边
亲 亲亲 请问 请 问 问下 问一下 想问 想问下 我想问 咨询 咨询一下 麻烦 麻烦你 麻烦问下 打扰
你好 您好 在吗 在么 在不在 谢谢 一下 一个 个 下 就 都 也 还 又 再 很 太 挺 比较 真 就是 其实
是 有 在 要 想 会 能 可以 可不可以 能不能 能否 是否 是不是 有没有 没有 没 不 吧 嘛
怎么 怎么样 怎样 如何 什么 啥 咋 为什么 为啥 哪 哪个 哪些 多少 几 吗 么
给 把 被 让 对 从 向 到 为 以 于 上 中 里 后 前 时 时候 的话 如果 但是 但 所以 因为 然后
""".split())

# Pinyin syllables (toneless), used to read Latin letters typed for Chinese (提huo, yibao).
PINYIN_SYLLABLES: frozenset[str] = frozenset("""
a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can
cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai
chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei deng
di dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen
feng fo fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun
guo ha hai han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia
jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong
kou ku kua kuai kuan kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang
liao lie lin ling liu long lou lu luan lun luo lv lve ma mai man mang mao me mei men meng mi
mian miao mie min ming miu mo mou mu na nai nan nang nao ne nei nen neng ni nian niang niao
nie nin ning niu nong nou nu nuan nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian
piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran
rang rao re ren reng ri rong rou ru ruan rui run ruo sa sai san sang sao se sen seng sha
shai shan shang shao she shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si
song sou su suan sui sun suo ta tai tan tang tao te teng ti tian tiao tie ting tong tou tu
tuan tui tun tuo wa wai wan wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong
xiu xu xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan
zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhen zheng zhi zhong zhou zhu zhua
zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
""".split())
